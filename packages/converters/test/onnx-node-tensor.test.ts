/**
 * ONNX backend node tests of the tensor/shape family: import → convert → reference run,
 * compared with rtol = atol = 1e-4. Training-mode Dropout is random by definition, so those
 * tests must be refused with a reason instead.
 */
import { join } from 'node:path';
import { isKilnError } from '@kiln-inference/core';
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { discoverTensorCases, runTensorCase } from './onnx-tensor-node-cases.js';

const corpus = corpusDir();
const nodeDir = corpus ? join(corpus, 'onnx-backend/node') : undefined;
if (!nodeDir) console.warn(CORPUS_MISSING_MESSAGE);

const cases = nodeDir ? discoverTensorCases(nodeDir) : [];
const isRandom = (name: string): boolean => name.startsWith('test_training_dropout');

describe.skipIf(!nodeDir)('ONNX node tests: tensor/shape family', () => {
  it('finds the family in the corpus', () => {
    expect(cases.length).toBeGreaterThan(200);
  });

  for (const c of cases.filter((x) => !isRandom(x.name))) {
    it(`${c.op}: ${c.name}`, () => {
      expect(runTensorCase(nodeDir!, c)).toBeUndefined();
    });
  }

  for (const c of cases.filter((x) => isRandom(x.name))) {
    it(`${c.op}: ${c.name} is refused (training mode is random)`, () => {
      let error: unknown;
      try {
        runTensorCase(nodeDir!, c);
      } catch (e) {
        error = e;
      }
      expect(isKilnError(error)).toBe(true);
      expect((error as Error).message).toMatch(/inference mode/);
    });
  }
});
