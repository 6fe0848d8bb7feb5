/**
 * Every model format through the umbrella entry points, against the corpus references
 * (computed by TensorFlow.js; see the corpus README). Skips when the corpus is absent.
 */
import { join } from 'node:path';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose, readRawFile } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { InferenceSession, type SessionOptions } from '../src/index.js';

const corpus = corpusDir();

async function checkCase(model: string, referenceDir: string, caseDir: string, options: SessionOptions = {}) {
  const session = await InferenceSession.create(model, { execution: 'inline', ...options });
  try {
    const input = session.inputs[0]!;
    const x = readRawFile(join(referenceDir, caseDir, 'input_0.bin'), 'float32', [1, 28, 28, 1]);
    const out = await session.run({ [input.name]: x });
    const y = Object.values(out)[0]!;
    expectTensorClose(y, readRawFile(join(referenceDir, caseDir, 'output_0.bin'), 'float32', [1, 10]), { rtol: 1e-3, atol: 1e-4 });
    const values = Array.from(y.toFloat32());
    return values.indexOf(Math.max(...values));
  } finally {
    await session.dispose();
  }
}

describe.skipIf(!corpus)('model formats through InferenceSession', () => {
  if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
  const root = corpus ?? '';

  it('runs a frozen TensorFlow GraphDef and classifies both digits', async () => {
    const model = join(root, 'tf/frozen/mengwanguc-mnist-cnn.pb');
    const ref = join(root, 'tf/frozen-reference/mengwanguc-mnist-cnn');
    expect(await checkCase(model, ref, 'case_0')).toBe(0);
    expect(await checkCase(model, ref, 'case_1')).toBe(1);
  });

  it('runs the UFF LeNet-5 with a registered input shape', async () => {
    const model = join(root, 'uff/tensorrt-sample-lenet5.uff');
    const ref = join(root, 'uff/tensorrt-sample-lenet5-reference');
    const options = { inputShapes: { in: [1, 28, 28, 1] } };
    expect(await checkCase(model, ref, 'case_0', options)).toBe(0);
    expect(await checkCase(model, ref, 'case_1', options)).toBe(1);
  });
});
