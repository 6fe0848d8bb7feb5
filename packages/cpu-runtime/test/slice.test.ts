import { DTYPES, sliceRange, Tensor } from '@kiln-inference/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { i64, iota, patternTensor, runLayer, storageOf } from './layer-harness.js';

describe('slice kernel', () => {
  it('slices with negative steps and out-of-range ends (ONNX clamping)', () => {
    const x = iota('float32', [2, 5]);
    const [y] = runLayer('slice', {}, [x, i64([-1, 1000]), i64([-1000, -6]), i64([1, 0]), i64([-2, 1])]);
    // axis 1 from 4 down to the start in steps of 2; axis 0 from 1000 (clamped to 2) to -6 (0): empty.
    expect(y!.shape).toEqual([0, 3]);
    const [z] = runLayer('slice', {}, [x, i64([-1]), i64([-1000]), i64([1]), i64([-2])]);
    expect(z!.shape).toEqual([2, 3]);
    expect(z!.toArray()).toEqual([4, 2, 0, 9, 7, 5]);
  });

  it('slices int64 bounds like INT64_MAX and keeps strings exact', () => {
    const x = Tensor.fromValues('string', [4], ['a', 'b', 'c', 'd']);
    const [y] = runLayer('slice', {}, [x, i64([1]), Tensor.fromValues('int64', [1], [2n ** 63n - 1n])], 1, 'string');
    expect(y!.toArray()).toEqual(['b', 'c', 'd']);
  });

  it('computes clamped ranges', () => {
    expect(sliceRange(0, 10, 3, 5)).toEqual({ first: 0, count: 2 });
    expect(sliceRange(10, -10, -1, 5)).toEqual({ first: 4, count: 5 });
  });

  it('rejects a zero step', () => {
    expect(() => runLayer('slice', {}, [iota('float32', [3]), i64([0]), i64([3]), i64([0]), i64([0])])).toThrow(/non-zero/);
  });
});

describe('slice, tile and expand over every dtype', () => {
  for (const dtype of DTYPES) {
    it(`moves ${dtype} storage exactly`, () => {
      const x = patternTensor(dtype, [4]);
      const s = storageOf(x);
      const [sl] = runLayer('slice', {}, [x, i64([3]), i64([0]), i64([0]), i64([-2])], 1, dtype);
      expect(storageOf(sl!)).toEqual([s[3], s[1]]);
      const [t] = runLayer('tile', {}, [x, i64([2])], 1, dtype);
      expect(storageOf(t!)).toEqual([...s, ...s]);
      const [e] = runLayer('expand', {}, [x, i64([2, 1])], 1, dtype);
      expect(storageOf(e!)).toEqual([...s, ...s]);
    });
  }
});

describe('slice kernel properties', () => {
  it('matches a naive element walk for random starts, ends and steps', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: -9, max: 9 }),
        fc.integer({ min: -9, max: 9 }),
        fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0),
        (dim, start, end, step) => {
          const x = iota('int32', [dim]);
          const [y] = runLayer('slice', {}, [x, i64([start]), i64([end]), i64([0]), i64([step])], 1, 'int32');
          // Naive reference: walk the clamped range one element at a time.
          const expected: number[] = [];
          let s = start < 0 ? start + dim : start;
          let e = end < 0 ? end + dim : end;
          if (step > 0) {
            s = Math.min(Math.max(s, 0), dim);
            e = Math.min(Math.max(e, 0), dim);
            for (let i = s; i < e; i += step) expected.push(i);
          } else {
            s = Math.min(Math.max(s, 0), dim - 1);
            e = Math.min(Math.max(e, -1), dim - 1);
            for (let i = s; i > e; i += step) expected.push(i);
          }
          expect(y!.toArray()).toEqual(expected);
        },
      ),
    );
  });
});
