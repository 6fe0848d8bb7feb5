import { ErrorCode, isKilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, i64, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

const x = f32([1, 2, 3, 4, 5, 6], [2, 3]);
const run = (op: 'sum' | 'prod', axis: number, exclusive = false, reverse = false, input: Tensor = x) =>
  runLayer('cumulative', { op, exclusive, reverse }, [input, i64([axis], [])], 1, input.dtype)[0]!;

describe('cumulative kernel', () => {
  it('sums along either axis', () => {
    expectTensorClose(run('sum', 1), f32([1, 3, 6, 4, 9, 15], [2, 3]), { rtol: 0, atol: 0 });
    expectTensorClose(run('sum', 0), f32([1, 2, 3, 5, 7, 9], [2, 3]), { rtol: 0, atol: 0 });
  });

  it('exclusive and reverse', () => {
    expectTensorClose(run('sum', -1, true), f32([0, 1, 3, 0, 4, 9], [2, 3]), { rtol: 0, atol: 0 });
    expectTensorClose(run('sum', 1, false, true), f32([6, 5, 3, 15, 11, 6], [2, 3]), { rtol: 0, atol: 0 });
    expectTensorClose(run('prod', 1, true, true), f32([6, 3, 1, 30, 6, 1], [2, 3]), { rtol: 0, atol: 0 });
  });

  it('int64 stays exact', () => {
    const big = Tensor.fromValues('int64', [2], [2n ** 60n, 1n]);
    expect(run('sum', 0, false, false, big).toArray()).toEqual([2n ** 60n, 2n ** 60n + 1n]);
  });

  it('rejects an out-of-range axis', () => {
    expect(
      isKilnError(
        thrown(() => run('sum', 2)),
        ErrorCode.INVALID_ATTRIBUTE,
      ),
    ).toBe(true);
  });
});
