import { resolve } from 'node:path';
import { expectTensorClose, readNpyFile } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { InferenceSession, run } from '../src/index.js';

const example = (f: string) => resolve(__dirname, '../../../examples/tiny-cnn', f);

describe('the bundled example model', () => {
  it('runs through import, convert, build and execute and matches the independently computed output', async () => {
    const session = await InferenceSession.create(example('model.onnx'), { execution: 'inline' });
    try {
      expect(session.inputNames).toEqual(['image']);
      expect(session.outputNames).toEqual(['probabilities']);
      const out = await session.run({ image: readNpyFile(example('input.npy')) });
      expectTensorClose(out.probabilities!, readNpyFile(example('expected_output.npy')), { rtol: 1e-5, atol: 1e-6 });
    } finally {
      await session.dispose();
    }
  });

  it('gives the same answer through the one-call run()', async () => {
    const out = await run(example('model.onnx'), { image: readNpyFile(example('input.npy')) }, { execution: 'inline' });
    expectTensorClose(out.probabilities!, readNpyFile(example('expected_output.npy')), { rtol: 1e-5, atol: 1e-6 });
  });
});
