/**
 * ONNX backend conformance for the math family: every node test (including the _expanded
 * function-body variants) whose model uses only math ops plus Constant/Reshape-style glue,
 * through importOnnx → convertGraph → ReferenceExecutor, compared with rtol = atol = 1e-4
 * (float16 outputs 1e-3 and bfloat16 1e-2: the formats' own precision). Random generators
 * are checked for dtype and shape only: numpy's random stream cannot be reproduced.
 */
import { join } from 'node:path';
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { discoverMathNodeTests, runMathNodeTest } from './onnx-node-math-cases.js';

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
const nodeDir = corpus ? join(corpus, 'onnx-backend', 'node') : '';
const tests = corpus ? discoverMathNodeTests(nodeDir) : [];

/** Tests whose data kiln cannot decode, with the reason the decoder gives. */
const UNDECODABLE = /FLOAT8E8M0/;

describe.skipIf(!corpus)('ONNX node tests: math family', () => {
  it('discovers the math node tests', () => {
    // Over a thousand node tests use only math ops; a much smaller number means discovery broke.
    expect(tests.length).toBeGreaterThan(1000);
  });

  it.each(tests.map((t) => [t.name, t] as const))('%s', (_name, test) => {
    const r = runMathNodeTest(nodeDir, test);
    if (r.status === 'skip') {
      expect(r.detail, 'only undecodable test data or another family’s missing converter may skip').toMatch(
        new RegExp(`${UNDECODABLE.source}|another family's op`),
      );
      console.warn(`${test.name}: skipped (${r.detail})`);
      return;
    }
    expect(r.detail).toBe('');
    expect(r.status).toBe('pass');
  });
});

/** The PyTorch-exported and hand-written model folders hold more single-op math models (opsets 6–9). */
const MODEL_FOLDERS = ['simple', 'pytorch-converted', 'pytorch-operator'];

describe.skipIf(!corpus)('ONNX backend models: math family', () => {
  const models = MODEL_FOLDERS.flatMap((folder) => {
    const dir = corpus ? join(corpus, 'onnx-backend', folder) : '';
    return corpus ? discoverMathNodeTests(dir).map((t) => [`${folder}/${t.name}`, dir, t] as const) : [];
  });

  it.each(models)('%s', (_name, dir, test) => {
    const r = runMathNodeTest(dir, test);
    expect(r.detail).toBe('');
    expect(r.status).toBe('pass');
  });
});
