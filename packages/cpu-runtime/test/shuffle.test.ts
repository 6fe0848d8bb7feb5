import { DTYPES, isKilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { i64, iota, patternTensor, runLayer, storageOf } from './layer-harness.js';

describe('shuffle kernel', () => {
  it('transposes', () => {
    const [y] = runLayer('shuffle', { firstTranspose: [1, 0] }, [iota('float32', [2, 3])]);
    expectTensorClose(y!, Tensor.fromValues('float32', [3, 2], [0, 3, 1, 4, 2, 5]), { rtol: 0, atol: 0 });
  });

  it('transposes a 3-D string tensor', () => {
    const x = Tensor.fromValues('string', [2, 1, 2], ['a', 'b', 'c', 'd']);
    const [y] = runLayer('shuffle', { firstTranspose: [2, 1, 0] }, [x], 1, 'string');
    expect(y!.shape).toEqual([2, 1, 2]);
    expect(y!.toArray()).toEqual(['a', 'c', 'b', 'd']);
  });

  it('reshapes with 0 (copy) and -1 (infer), from params and from a shape input', () => {
    const x = iota('float16', [2, 3, 4]);
    expect(runLayer('shuffle', { reshape: [0, -1] }, [x], 1, 'float16')[0]!.shape).toEqual([2, 12]);
    expect(runLayer('shuffle', {}, [x, i64([4, 0, -1])], 1, 'float16')[0]!.shape).toEqual([4, 3, 2]);
  });

  it('keeps 0 as a real dim with allowZero', () => {
    const x = Tensor.zeros('float32', [0, 3]);
    expect(runLayer('shuffle', { reshape: [3, 0], allowZero: true }, [x])[0]!.shape).toEqual([3, 0]);
  });

  it('applies transpose, reshape, transpose in order', () => {
    const [y] = runLayer(
      'shuffle',
      { firstTranspose: [1, 0], reshape: [3, 2], secondTranspose: [1, 0] },
      [iota('int32', [2, 3])],
      1,
      'int32',
    );
    // [[0,3],[1,4],[2,5]] transposed again.
    expect(Array.from(y!.data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(y!.shape).toEqual([2, 3]);
  });

  it('rejects an element count change with a layer-named error', () => {
    try {
      runLayer('shuffle', { reshape: [5] }, [iota('float32', [2, 3])]);
      expect.unreachable();
    } catch (e) {
      expect(isKilnError(e)).toBe(true);
      expect((e as Error).message).toMatch(/shuffle_layer.*cannot reshape/);
    }
  });

  it('rejects a bad permutation', () => {
    expect(() => runLayer('shuffle', { firstTranspose: [0, 0] }, [iota('float32', [2, 3])])).toThrow(/permutation/);
  });
});

describe('shuffle kernel over every dtype', () => {
  for (const dtype of DTYPES) {
    it(`transposes ${dtype} storage exactly`, () => {
      const x = patternTensor(dtype, [2, 3]);
      const [y] = runLayer('shuffle', { firstTranspose: [1, 0] }, [x], 1, dtype);
      const [back] = runLayer('shuffle', { firstTranspose: [1, 0] }, [y!], 1, dtype);
      expect(y!.dtype).toBe(dtype);
      expect(storageOf(y!)[1]).toEqual(storageOf(x)[3]);
      expect(storageOf(back!)).toEqual(storageOf(x));
    });
  }
});
