import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createUffRegistry } from '@kiln/converters';
import { ReferenceExecutor } from '@kiln/cpu-runtime';
import { corpusDir, expectTensorClose, readRawFile } from '@kiln/testkit';
import { importUff } from '@kiln/uff';
import { describe, expect, it } from 'vitest';
import { readReference } from '../../tf-graph/test/corpus-reference.js';

/**
 * The Keras MLP 784-512-10 of zhucheng725/TX2-tensorRT5.0-python as its author converted it to
 * UFF (lenet5.uff, beside the lenet5.pb the corpus holds as tf/frozen/zhucheng725-lenet5.pb):
 * Flatten → FullyConnected → Softmax with axis 0 and order N+C. The GraphDef's TensorFlow.js
 * reference is the oracle. Runs when the corpus holds the file as uff/zhucheng725-lenet5.uff.
 */
const corpus = corpusDir();
const model = corpus ? join(corpus, 'uff/zhucheng725-lenet5.uff') : undefined;
const present = model !== undefined && existsSync(model);

describe.skipIf(!present)('UFF MLP (zhucheng725 lenet5.uff): the softmax is over the classes', () => {
  const ref = () => readReference(join(corpus!, 'tf/frozen-reference/zhucheng725-lenet5'));

  for (const [way, options, shape] of [
    ['TensorRT’s way (input_1=1x28x28, CHW)', { inputs: { input_1: { shape: [1, 28, 28], order: 'chw' as const } } }, [1, 1, 28, 28]],
    ["the file's way (its declared [-1,28,28,1])", {}, [1, 28, 28, 1]],
  ] as const) {
    it(`matches the GraphDef's reference, registered ${way}`, () => {
      const r = ref();
      const network = convertGraph(importUff(new Uint8Array(readFileSync(model!)), options), createUffRegistry());
      for (const c of r.cases) {
        const x = readRawFile(join(r.folder, c.dir, c.feeds[0]!.file!), 'float32', [...shape]);
        const y = new ReferenceExecutor().run(network, { input_1: x }).get('dense_1/Softmax')!;
        const expected = readRawFile(join(r.folder, c.dir, c.outputs[0]!.file!), 'float32', [1, 10]);
        expectTensorClose(y, expected, r.tolerance);
        expect(Array.from(y.toFloat32()).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
    });
  }
});

if (!present) it.skip('uff/zhucheng725-lenet5.uff is not in the corpus (KILN_CORPUS); skipping the real UFF MLP', () => {});
