import { ErrorCode, isKilnError } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { f32, i64, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

describe('top_k kernel', () => {
  const x = f32([3, 1, 3, 2, 0, 5, 4, 4], [2, 4]);

  it('largest k along the last axis, ties by lower index', () => {
    const [v, i] = runLayer('top_k', { axis: 1, largest: true, sorted: true }, [x, i64([2])], 2);
    expect(v!.shape).toEqual([2, 2]);
    expect(v!.toArray()).toEqual([3, 3, 5, 4]);
    expect(i!.dtype).toBe('int64');
    expect(i!.toArray()).toEqual([0n, 2n, 1n, 2n]);
  });

  it('smallest k along axis 0', () => {
    const [v, i] = runLayer('top_k', { axis: 0, largest: false, sorted: true }, [x, i64([1])], 2);
    expect(v!.toArray()).toEqual([0, 1, 3, 2]);
    expect(i!.toArray()).toEqual([1n, 0n, 0n, 0n]);
  });

  it('rejects k larger than the axis', () => {
    expect(
      isKilnError(
        thrown(() => runLayer('top_k', { axis: 1, largest: true, sorted: true }, [x, i64([5])], 2)),
        ErrorCode.INVALID_ARGUMENT,
      ),
    ).toBe(true);
  });
});
