/**
 * The light ONNX models' hybrid-vs-all-CPU checks, declared for a subset of them: each model runs
 * twice on the TypeScript reference kernels, so they are split over two test files that vitest
 * runs in parallel. VGG-19 (~40 s per run) only runs with KILN_SLOW_TESTS=1.
 */
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { describe, it } from 'vitest';
import { checkCorpusCase } from './check-corpus-case.js';
import { corpusCases } from './corpus-cases.js';

const SLOW = new Set(['light_vgg19']);

export function describeLightModels(names: readonly string[]): void {
  const corpus = corpusDir();
  if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
  const cases = corpus ? corpusCases(corpus).filter((c) => c.suite === 'onnx-backend/light' && names.includes(c.name)) : [];
  const slowEnabled = process.env.KILN_SLOW_TESTS === '1';
  describe.skipIf(cases.length === 0)('hybrid execution of light ONNX models equals the all-CPU run (rtol 1e-5)', () => {
    for (const c of cases) {
      const skip = SLOW.has(c.name) && !slowEnabled;
      it.skipIf(skip)(`${c.name}${skip ? ' (set KILN_SLOW_TESTS=1)' : ''}`, () => checkCorpusCase(c, 1), 180_000);
    }
  });
}
