import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { i64, iota, runLayer } from './layer-harness.js';

describe('scatter kernel', () => {
  it('elements mode writes along an axis; later duplicates win', () => {
    const data = Tensor.zeros('float32', [2, 3]);
    const [y] = runLayer('scatter', { mode: 'elements', axis: 1, reduction: 'none' }, [
      data,
      i64([1, 1, -1, 0], [2, 2]),
      Tensor.fromValues('float32', [2, 2], [1, 2, 3, 4]),
    ]);
    expect(y!.toArray()).toEqual([0, 2, 0, 4, 0, 3]);
  });

  it('elements mode reduces with add and max', () => {
    const data = Tensor.fromValues('float16', [3], [1, 1, 1]);
    const upd = Tensor.fromValues('float16', [2], [2, 5]);
    expect(
      runLayer('scatter', { mode: 'elements', axis: 0, reduction: 'add' }, [data, i64([0, 0]), upd], 1, 'float16')[0]!.toArray(),
    ).toEqual([8, 1, 1]);
    expect(
      runLayer('scatter', { mode: 'elements', axis: 0, reduction: 'max' }, [data, i64([2, 0]), upd], 1, 'float16')[0]!.toArray(),
    ).toEqual([5, 1, 2]);
  });

  it('nd mode writes slices and multiplies int64 exactly', () => {
    const data = iota('int64', [2, 2]);
    const [y] = runLayer(
      'scatter',
      { mode: 'nd', axis: 0, reduction: 'none' },
      [data, i64([1], [1, 1]), Tensor.fromValues('int64', [1, 2], [7n, 8n])],
      1,
      'int64',
    );
    expect(y!.toArray()).toEqual([0n, 1n, 7n, 8n]);
    const big = Tensor.fromValues('int64', [1], [2n ** 40n]);
    const [z] = runLayer(
      'scatter',
      { mode: 'nd', axis: 0, reduction: 'mul' },
      [big, i64([0], [1, 1]), Tensor.fromValues('int64', [1], [1024n])],
      1,
      'int64',
    );
    expect(z!.toArray()).toEqual([2n ** 50n]);
  });

  it('rejects mismatched updates', () => {
    expect(() =>
      runLayer('scatter', { mode: 'nd', axis: 0, reduction: 'none' }, [iota('float32', [2, 2]), i64([1], [1, 1]), iota('float32', [1, 3])]),
    ).toThrow(/should have shape/);
  });
});
