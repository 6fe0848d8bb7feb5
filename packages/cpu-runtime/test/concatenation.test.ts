import { DTYPES, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { iota, patternTensor, runLayer, storageOf } from './layer-harness.js';

describe('concatenation kernel', () => {
  it('joins along an inner axis, including empty parts', () => {
    const a = iota('float16', [2, 1]);
    const b = Tensor.zeros('float16', [2, 0]);
    const c = Tensor.fromValues('float16', [2, 2], [10, 11, 12, 13]);
    const [y] = runLayer('concatenation', { axis: -1 }, [a, b, c], 1, 'float16');
    expect(y!.shape).toEqual([2, 3]);
    expect(Array.from(y!.toFloat32())).toEqual([0, 10, 11, 1, 12, 13]);
  });

  it('joins bool tensors along axis 0', () => {
    const [y] = runLayer(
      'concatenation',
      { axis: 0 },
      [Tensor.fromValues('bool', [1], [true]), Tensor.fromValues('bool', [2], [false, true])],
      1,
      'bool',
    );
    expect(y!.toArray()).toEqual([true, false, true]);
  });

  it('rejects mismatched dims', () => {
    expect(() => runLayer('concatenation', { axis: 0 }, [iota('float32', [1, 2]), iota('float32', [1, 3])])).toThrow(/cannot concatenate/);
  });
});

describe('concatenation and split over every dtype', () => {
  for (const dtype of DTYPES) {
    it(`round-trips ${dtype} storage exactly`, () => {
      const x = patternTensor(dtype, [2, 3]);
      const [a, b] = runLayer('split', { axis: 1, numOutputs: 2 }, [x, Tensor.fromValues('int64', [2], [1, 2])], 2, dtype);
      const [y] = runLayer('concatenation', { axis: 1 }, [a!, b!], 1, dtype);
      expect(storageOf(y!)).toEqual(storageOf(x));
      expect(storageOf(a!)).toEqual([storageOf(x)[0], storageOf(x)[3]]);
    });
  }
});
