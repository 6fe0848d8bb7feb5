import { ErrorCode, isKilnError } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { f32, i64, iota, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

describe('trilu kernel', () => {
  const x = iota('float32', [3, 3]).reshape([3, 3]);

  it('upper and lower triangles', () => {
    expect(runLayer('trilu', { upper: true }, [x])[0]!.toArray()).toEqual([0, 1, 2, 0, 4, 5, 0, 0, 8]);
    expect(runLayer('trilu', { upper: false }, [x])[0]!.toArray()).toEqual([0, 0, 0, 3, 4, 0, 6, 7, 8]);
  });

  it('diagonal offset k, batched', () => {
    const batch = iota('float32', [2, 2, 2]);
    expect(runLayer('trilu', { upper: true }, [batch, i64([1], [])])[0]!.toArray()).toEqual([0, 1, 0, 0, 0, 5, 0, 0]);
    expect(runLayer('trilu', { upper: false }, [x, i64([-1], [])])[0]!.toArray()).toEqual([0, 0, 0, 3, 0, 0, 6, 7, 0]);
  });

  it('rejects rank-1 input', () => {
    expect(
      isKilnError(
        thrown(() => runLayer('trilu', { upper: true }, [f32([1, 2])])),
        ErrorCode.INVALID_SHAPE,
      ),
    ).toBe(true);
  });
});
