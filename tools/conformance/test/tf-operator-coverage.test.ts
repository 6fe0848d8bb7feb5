import { join } from 'node:path';
import { ConverterRegistry, tfConverters } from '@kiln-inference/converters';
import { repoRoot } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { readTfjsOpList, renderTfOperatorDocs, tfjsCoverage } from '../src/tf-operator-coverage.js';

const list = readTfjsOpList(join(repoRoot(), 'tools/conformance/data/tfjs-converter-ops.json'));

describe('TF.js converter op coverage', () => {
  it('stores the TF.js converter op names once each, with their origin', () => {
    const all = Object.values(list.categories).flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(248);
    expect(list.comment).toMatch(/tfjs-converter\/python\/tensorflowjs\/op_list/);
    expect(list.categories.arithmetic).toContain('AddV2');
  });

  it('counts only ops with a converter, keeping importer-handled ops out of the missing list', () => {
    const registry = new ConverterRegistry(tfConverters.filter((c) => c.op === 'AddV2' || c.op === 'Relu' || c.op === 'Gelu'));
    const coverage = tfjsCoverage(registry, list);
    expect(coverage.converted).toBe(2);
    expect(coverage.total).toBe(248);
    expect(coverage.kilnOnly).toEqual(['Gelu']);
    expect(coverage.importerHandled).toEqual(['Const', 'NoOp', 'Placeholder']);
    expect(coverage.missing).toHaveLength(248 - 2 - 3);
    expect(coverage.missing).not.toContain('Const');
    expect(coverage.categories.find((c) => c.category === 'arithmetic')).toMatchObject({ total: 16, converted: 1 });
    const doc = renderTfOperatorDocs(coverage, list);
    expect(doc).toContain('**2 of 248 TF.js converter ops have a kiln converter** (0.8%)');
    expect(doc).toMatch(/\| AddV2 \| Y \|/);
    expect(doc).toMatch(/\| Atan2 \| N \|/);
  });
});
