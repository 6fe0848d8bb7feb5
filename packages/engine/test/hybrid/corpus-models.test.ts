/**
 * Hybrid execution of the corpus' smaller models (onnx-models, TensorFlow frozen graphs and
 * SavedModels, TensorFlow.js graph models, UFF) equals their all-CPU outputs (rtol 1e-5).
 * The light ONNX models are in corpus-light-models.test.ts.
 */
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { describe, it } from 'vitest';
import { checkCorpusCase } from './support/check-corpus-case.js';
import { corpusCases } from './support/corpus-cases.js';

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
const cases = corpus ? corpusCases(corpus).filter((c) => c.suite !== 'onnx-backend/light') : [];

describe.skipIf(cases.length === 0)('hybrid execution of corpus models equals the all-CPU run', () => {
  for (const c of cases) it(`${c.suite}: ${c.name}`, () => checkCorpusCase(c, 1));
});
