import { ErrorCode, isKilnError, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

const x = f32([1, 5, 5, 7, 0, 7], [2, 3]);
const run = (op: 'max' | 'min', axis: number, keepDims: boolean, selectLastIndex: boolean, input = x) =>
  runLayer('arg_reduce', { op, axis, keepDims, selectLastIndex }, [input], 1, 'int64')[0]!;

describe('arg_reduce kernel', () => {
  it('returns int64 indices of the first extreme', () => {
    const y = run('max', 1, true, false);
    expect(y.dtype).toBe('int64');
    expect(y.shape).toEqual([2, 1]);
    expect(y.toArray()).toEqual([1n, 0n]);
    expect(run('min', 0, false, false).toArray()).toEqual([0n, 1n, 0n]);
  });

  it('select_last_index picks the last tie', () => {
    expect(run('max', 1, false, true).toArray()).toEqual([2n, 2n]);
  });

  it('compares int64 exactly', () => {
    const big = Tensor.fromValues('int64', [2], [2n ** 60n, 2n ** 60n + 1n]);
    expect(run('max', 0, false, false, big).toArray()).toEqual([1n]);
  });

  it('rejects an empty axis', () => {
    expect(
      isKilnError(
        thrown(() => run('max', 1, false, false, Tensor.zeros('float32', [2, 0]))),
        ErrorCode.INVALID_SHAPE,
      ),
    ).toBe(true);
  });
});
