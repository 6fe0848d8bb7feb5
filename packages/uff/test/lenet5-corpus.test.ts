import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createUffRegistry } from '@kiln-inference/converters';
import { Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import {
  argmax,
  CORPUS_MISSING_MESSAGE,
  checkReferenceCases,
  corpusDir,
  expectTensorClose,
  modelPath,
  readReference,
} from '@kiln-inference/testkit';
import { importUff } from '@kiln-inference/uff';
import { describe, expect, it } from 'vitest';

const corpus = corpusDir();
const tolerance = { rtol: 1e-3, atol: 1e-3 };

/** A binary PGM (P5, 8-bit) digit, normalised as the TensorRT sample did: 1 − v/255. */
function readDigit(path: string): Float32Array {
  const bytes = readFileSync(path);
  const header = bytes.subarray(0, 32).toString('latin1');
  const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(header);
  const dims = m ? `${m[1]}x${m[2]}/${m[3]}` : 'none';
  if (!m || dims !== '28x28/255') throw new Error(`${path}: not a 28x28 8-bit P5 image (${dims})`);
  const pixels = bytes.subarray(m[0].length, m[0].length + 784);
  return Float32Array.from(pixels, (v) => 1 - v / 255);
}

describe.skipIf(!corpus)('UFF: the TensorRT LeNet-5 sample', () => {
  const dir = (): string => join(corpus!, 'uff');
  const bytes = (): Uint8Array => new Uint8Array(readFileSync(join(dir(), 'tensorrt-sample-lenet5.uff')));
  const ref = () => readReference(join(dir(), 'tensorrt-sample-lenet5-reference'));
  /** Both digits as one batch of two, and the reference logits of each. */
  function digitsAndLogits(): { pixels: Float32Array; logits: number[] } {
    const pixels = new Float32Array(2 * 784);
    pixels.set(readDigit(join(dir(), 'mnist-digits/0.pgm')), 0);
    pixels.set(readDigit(join(dir(), 'mnist-digits/1.pgm')), 784);
    const cases = ref().cases as unknown as { outputs: { values: number[] }[] }[];
    return { pixels, logits: cases.flatMap((c) => c.outputs[0]!.values) };
  }

  it("classifies digits 0 and 1 registered TensorRT's way (in=1x28x28, CHW, batch of 2)", () => {
    const graph = importUff(bytes(), { inputs: { in: { shape: [1, 28, 28], order: 'chw', batch: 2 } } });
    expect(graph.inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [2, 1, 28, 28] });
    const { pixels, logits } = digitsAndLogits();
    const network = convertGraph(graph, createUffRegistry());
    const out = new ReferenceExecutor().run(network, { in: Tensor.fromValues('float32', [2, 1, 28, 28], pixels) }).get('out')!;
    expectTensorClose(out, Tensor.fromValues('float32', [2, 10], logits), tolerance);
    const values = out.toFloat32();
    expect([argmax(values.subarray(0, 10)), argmax(values.subarray(10, 20))]).toEqual([0, 1]);
  });

  it("classifies digits 0 and 1 registered in the file's own order (NHWC, batch included)", () => {
    const graph = importUff(bytes(), { inputs: { in: { shape: [2, 28, 28, 1], order: 'file' } } });
    const { pixels, logits } = digitsAndLogits();
    const out = new ReferenceExecutor()
      .run(convertGraph(graph, createUffRegistry()), { in: Tensor.fromValues('float32', [2, 28, 28, 1], pixels) })
      .get('out')!;
    expectTensorClose(out, Tensor.fromValues('float32', [2, 10], logits), tolerance);
  });

  it('matches the reference cases through inputShapes (the file order shorthand)', () => {
    const r = ref();
    const graph = importUff(new Uint8Array(readFileSync(modelPath(r))), { inputShapes: { in: [1, 28, 28, 1] } });
    expect(graph.weights.get('wc1')!.shape).toEqual([5, 5, 1, 20]);
    const network = convertGraph(graph, createUffRegistry());
    const executor = new ReferenceExecutor();
    checkReferenceCases({ ...r, tolerance }, (feeds) => executor.run(network, feeds));
  });

  it('asks for the input shape the file leaves out, naming the input and both ways to register it', () => {
    expect(() => importUff(bytes())).toThrow(/input 'in' has no shape.*order: 'chw'.*inputShapes/);
  });

  it('rejects an unknown input name, listing the real ones', () => {
    expect(() =>
      importUff(bytes(), { inputs: { in: { shape: [1, 28, 28], order: 'chw' }, image: { shape: [1, 28, 28], order: 'chw' } } }),
    ).toThrow(/'image' is not an input.*in/);
  });
});

if (!corpus) it.skip(CORPUS_MISSING_MESSAGE, () => {});
