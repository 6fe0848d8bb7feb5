/**
 * ONNX backend conformance for the neural-network and control-flow family: every node test of
 * these ops, the small PyTorch-exported conv/pool/BN models, and silero-vad-v5 (If + LSTM),
 * through importOnnx → convertGraph → ReferenceExecutor, compared with rtol = atol = 1e-4.
 * Tests whose model needs an op from another family that has no converter yet are skipped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { decodeTensorProto } from '@kiln-inference/onnx';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertGraph, createOnnxRegistry } from '../src/index.js';
import { loadTestModel, NN_OPS, nodeTestNames, runBackendTest, usesFamilyOp } from './onnx-node-nn-cases.js';

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
const backend = corpus ? join(corpus, 'onnx-backend') : '';

/** Node tests this family rejects on purpose, with the reason the converter gives. */
const KNOWN_UNSUPPORTED: Record<string, RegExp> = {
  // Sequence / optional values through If and Loop bodies: kiln networks carry tensors only.
  test_if_seq: /sequence|optional|not plain tensors/,
  test_if_opt: /sequence|optional|not plain tensors/,
  test_loop13_seq: /sequence|optional|not plain tensors/,
  test_loop16_seq_none: /sequence|optional|not plain tensors/,
};

function check(dir: string): void {
  const r = runBackendTest(dir);
  const known = KNOWN_UNSUPPORTED[r.name];
  if (known && r.status !== 'skip') {
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(known);
    return;
  }
  if (r.status === 'skip') {
    // A missing converter of this family's own ops is a failure, not a skip.
    const missing = /no converter for (\w+)/.exec(r.detail)?.[1];
    expect(missing !== undefined && NN_OPS.has(missing), r.detail).toBe(false);
    console.warn(`${r.name}: skipped (${r.detail})`);
    return;
  }
  expect(r.detail).toBe('');
  expect(r.status).toBe('pass');
}

describe.skipIf(!corpus)('ONNX node tests: nn and control-flow ops', () => {
  const names = corpus ? nodeTestNames(join(backend, 'node')) : [];
  it('finds the family node tests', () => {
    expect(names.length).toBeGreaterThan(200);
  });
  for (const name of names) it(name, () => check(join(backend, 'node', name)));
});

describe.skipIf(!corpus)('ONNX backend models using nn ops', () => {
  const dirs = corpus
    ? ['simple', 'pytorch-converted', 'pytorch-operator']
        .flatMap((f) => readdirSync(join(backend, f)).map((n) => join(backend, f, n)))
        .filter(usesFamilyOp)
    : [];
  for (const dir of dirs) it(dir.split('/').slice(-2).join('/'), () => check(dir));
});

describe.skipIf(!corpus)('real models', () => {
  // silero-vad: If + LSTM; PaddleOCR: Conv/BN/ConvTranspose; openWakeWord: STFT-as-Conv, NHWC CNN.
  const models = [
    'silero-vad-v5',
    'paddleocr-ppocrv4-det',
    'paddleocr-mobile-v2-cls',
    'openwakeword-melspectrogram',
    'openwakeword-embedding_model',
  ];
  for (const name of models) {
    it(`${name} matches onnxruntime`, () => {
      const r = runBackendTest(join(corpus!, 'onnx-models', name));
      expect(r.detail).toBe('');
      expect(r.status).toBe('pass');
    });
  }

  // Light models (ConstantOfShape-filled weights): LRN, ceil-mode pooling, concat-heavy graphs.
  for (const name of ['light_inception_v1', 'light_squeezenet']) {
    it(`${name} matches its reference output`, () => {
      const light = join(backend, 'light');
      const graph = loadTestModel(light, `${name}.onnx`);
      const input = decodeTensorProto(new Uint8Array(readFileSync(join(backend, 'light-generated-inputs', `${name}_input_0.pb`)))).tensor;
      const expected = decodeTensorProto(new Uint8Array(readFileSync(join(light, `${name}_output_0.pb`)))).tensor;
      const network = convertGraph(graph, createOnnxRegistry());
      const out = new ReferenceExecutor().run(network, { [graph.feedInputs[0]!.name]: input });
      expectTensorClose(out.get(network.outputs[0]!)!, expected, { rtol: 1e-4, atol: 1e-4 });
    });
  }
});
