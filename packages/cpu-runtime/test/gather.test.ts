import { DTYPES, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { i64, iota, patternTensor, runLayer, storageOf } from './layer-harness.js';

describe('gather kernel', () => {
  it('default mode gathers along an axis with negative indices', () => {
    const x = iota('float32', [2, 3]);
    const [y] = runLayer('gather', { mode: 'default', axis: 1, batchDims: 0 }, [x, i64([-1, 0], [1, 2])]);
    expect(y!.shape).toEqual([2, 1, 2]);
    expect(y!.toArray()).toEqual([2, 0, 5, 3]);
  });

  it('default mode honours batchDims (TF GatherV2)', () => {
    const x = iota('int32', [2, 3]);
    const [y] = runLayer('gather', { mode: 'default', axis: 1, batchDims: 1 }, [x, i64([2, 0, 1, 1], [2, 2])], 1, 'int32');
    expect(y!.shape).toEqual([2, 2]);
    expect(y!.toArray()).toEqual([2, 0, 4, 4]);
  });

  it('elements mode picks per position', () => {
    const x = Tensor.fromValues('string', [2, 2], ['a', 'b', 'c', 'd']);
    const [y] = runLayer('gather', { mode: 'elements', axis: 1, batchDims: 0 }, [x, i64([1, 1, 0, 1], [2, 2])], 1, 'string');
    expect(y!.toArray()).toEqual(['b', 'b', 'c', 'd']);
  });

  it('nd mode with batch dims', () => {
    const x = iota('float32', [2, 2, 2]);
    const [y] = runLayer('gather', { mode: 'nd', axis: 0, batchDims: 1 }, [x, i64([1, 0], [2, 1])]);
    expect(y!.shape).toEqual([2, 2]);
    expect(y!.toArray()).toEqual([2, 3, 4, 5]);
  });

  it('rejects float indices with a dtype error naming the layer', () => {
    expect(() =>
      runLayer('gather', { mode: 'default', axis: 0, batchDims: 0 }, [iota('float32', [3]), Tensor.fromValues('float32', [1], [1])]),
    ).toThrow(/gather_layer.*indices must be an integer tensor/);
  });

  it('rejects out-of-range indices', () => {
    expect(() => runLayer('gather', { mode: 'default', axis: 0, batchDims: 0 }, [iota('float32', [3]), i64([3])])).toThrow(/out of range/);
  });
});

describe('gather kernel over every dtype', () => {
  for (const dtype of DTYPES) {
    it(`gathers ${dtype} storage exactly in every mode`, () => {
      const x = patternTensor(dtype, [3, 2]);
      const s = storageOf(x);
      const [d] = runLayer('gather', { mode: 'default', axis: 0, batchDims: 0 }, [x, i64([2, 0])], 1, dtype);
      expect(storageOf(d!)).toEqual([s[4], s[5], s[0], s[1]]);
      const [e] = runLayer('gather', { mode: 'elements', axis: 1, batchDims: 0 }, [x, i64([1, 0, 1], [3, 1])], 1, dtype);
      expect(storageOf(e!)).toEqual([s[1], s[2], s[5]]);
      const [n] = runLayer('gather', { mode: 'nd', axis: 0, batchDims: 0 }, [x, i64([2, 1], [1, 2])], 1, dtype);
      expect(storageOf(n!)).toEqual([s[5]]);
    });
  }
});
