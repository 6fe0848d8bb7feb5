import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { runLayer } from './layer-harness.js';

const unique = (x: Tensor, sorted: boolean, axis: number | null) =>
  runLayer('plugin', { namespace: 'kiln', name: 'Unique', version: '1', fields: { sorted, axis } }, [x], 4, x.dtype);

describe('kiln::Unique plugin', () => {
  it('flattens and keeps first-occurrence order when unsorted', () => {
    const [y, idx, inv, counts] = unique(Tensor.fromValues('float32', [2, 2], [2, 1, 1, 3]), false, null);
    expect(y!.toArray()).toEqual([2, 1, 3]);
    expect(idx!.toArray()).toEqual([0n, 1n, 3n]);
    expect(inv!.toArray()).toEqual([0n, 1n, 1n, 2n]);
    expect(counts!.toArray()).toEqual([1n, 2n, 1n]);
  });

  it('sorts slices along an axis lexicographically', () => {
    const x = Tensor.fromValues('int64', [3, 2], [2n, 1n, 1n, 5n, 2n, 1n]);
    const [y, idx, inv, counts] = unique(x, true, 0);
    expect(y!.shape).toEqual([2, 2]);
    expect(y!.toArray()).toEqual([1n, 5n, 2n, 1n]);
    expect(idx!.toArray()).toEqual([1n, 0n]);
    expect(inv!.toArray()).toEqual([1n, 0n, 1n]);
    expect(counts!.toArray()).toEqual([1n, 2n]);
  });

  it('handles strings', () => {
    const [y] = unique(Tensor.fromValues('string', [3], ['b', 'a', 'b']), true, null);
    expect(y!.toArray()).toEqual(['a', 'b']);
  });
});
