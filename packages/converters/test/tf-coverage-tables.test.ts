import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { checkSupport, createTfRegistry } from '../src/index.js';
import { a, type NodeSpec, runTf, tfGraph } from './tf-test-graph.js';

const strings = (shape: number[], values: string[]): Tensor => Tensor.fromValues('string', shape, values);
const i64 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('int64', shape, values);

function tableNodes(v2: boolean, init: string): NodeSpec[] {
  const s = v2 ? 'V2' : '';
  return [
    { name: 'table', op: `HashTable${s}`, inputs: [], attrs: { key_dtype: a.type('string'), value_dtype: a.type('int64') } },
    { name: 'init', op: init, inputs: ['table', 'keys', 'vals'], outputs: 0 },
    { name: 'ids', op: `LookupTableFind${s}`, inputs: ['table', 'q', 'oov'] },
    { name: 'size', op: `LookupTableSize${s}`, inputs: ['table'] },
  ];
}

describe('TF hash tables initialized from constants', () => {
  const keys = strings([4], ['cat', 'dog', 'emu', 'yak']);
  const vals = i64([4], [10, 20, 30, 40]);
  const words = ['emu', 'cow', 'cat', 'yak', '', 'dog'];
  const reference = new Map(['cat', 'dog', 'emu', 'yak'].map((k, i) => [k, (i + 1) * 10]));

  for (const [v2, init] of [
    [true, 'InitializeTableV2'],
    [false, 'InitializeTable'],
    [true, 'LookupTableImportV2'],
    [false, 'LookupTableImport'],
  ] as const) {
    it(`${v2 ? 'V2' : 'V1'} ops with ${init}: lookups, the default for missing keys, the size`, () => {
      const r = runTf(
        {
          inputs: { q: { dtype: 'string', shape: [2, 3] } },
          weights: { keys, vals, oov: i64([], [-1]) },
          nodes: tableNodes(v2, init),
          outputs: ['ids', 'size'],
        },
        { q: strings([2, 3], words) },
      );
      const ids = r.get('ids')!;
      expect(ids.dtype).toBe('int64');
      expect(ids.shape).toEqual([2, 3]);
      expect(Array.from(ids.toFloat64())).toEqual(words.map((w) => reference.get(w) ?? -1));
      expect(Array.from(r.get('size')!.toFloat64())).toEqual([4]);
    });
  }

  it('a table without a constant initializer is reported unsupported with the reason', () => {
    const graph = tfGraph({
      inputs: { q: { dtype: 'string', shape: [2] }, k: { dtype: 'string', shape: [4] } },
      weights: { vals, oov: i64([], [-1]) },
      nodes: [
        { name: 'table', op: 'HashTableV2', inputs: [] },
        { name: 'init', op: 'InitializeTableV2', inputs: ['table', 'k', 'vals'], outputs: 0 },
        { name: 'ids', op: 'LookupTableFindV2', inputs: ['table', 'q', 'oov'] },
      ],
      outputs: ['ids'],
    });
    const find = graph.nodes.find((n) => n.name === 'ids')!;
    const verdict = checkSupport(createTfRegistry(), graph, find);
    expect(verdict.supported).toBe(false);
    expect(verdict.supported ? '' : verdict.reason).toMatch(/must be constants/);
  });
});
