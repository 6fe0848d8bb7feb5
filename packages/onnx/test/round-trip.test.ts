/** import → export → import gives an equal Graph, over every ONNX model of the corpus. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx } from '../src/index.js';
import { graphDifference } from './helpers/graph-equality.js';

const corpus = corpusDir();

function findModels(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) return findModels(p);
    return entry.endsWith('.onnx') ? [p] : [];
  });
}

function roundTripDifference(path: string): string | undefined {
  const first = importOnnx(new Uint8Array(readFileSync(path)), { onWarning: () => {} });
  const second = importOnnx(exportOnnx(first), { onWarning: () => {} });
  return graphDifference(first, second, { ignoreMetadata: ['ir_version'] });
}

describe.skipIf(!corpus)('ONNX round trip over the corpus', () => {
  if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
  const root = corpus ?? '';

  it('keeps every backend node-test model equal (1,802 models)', () => {
    const models = findModels(join(root, 'onnx-backend/node'));
    expect(models.length).toBeGreaterThanOrEqual(1802);
    const failures = models.map((m) => [relative(root, m), roundTripDifference(m)] as const).filter(([, d]) => d !== undefined);
    expect(failures).toEqual([]);
  });

  it('keeps the other corpus models equal', () => {
    const dirs = [
      'onnx-backend/simple',
      'onnx-backend/pytorch-converted',
      'onnx-backend/pytorch-operator',
      'onnx-backend/light',
      'onnx-models',
    ];
    const models = dirs.flatMap((d) => findModels(join(root, d)));
    expect(models.length).toBeGreaterThan(140);
    const failures = models.map((m) => [relative(root, m), roundTripDifference(m)] as const).filter(([, d]) => d !== undefined);
    expect(failures).toEqual([]);
  });

  it('keeps ir_version unless initializers that are not inputs need version 4', () => {
    const path = join(root, 'onnx-backend/node/test_add/model.onnx');
    const g = importOnnx(new Uint8Array(readFileSync(path)));
    expect(importOnnx(exportOnnx(g)).metadata.ir_version).toBe(g.metadata.ir_version);
  });
});
