import { ErrorCode, isKilnError, type ReduceOp, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, i64, iota, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

const x = f32([1, 2, 3, 4, 5, 6], [2, 3]);
const reduce = (op: ReduceOp, axes: number[] | null, keepDims = true, input = x, axesInput?: Tensor, noopWithEmptyAxes = false) =>
  runLayer('reduce', { op, axes, keepDims, noopWithEmptyAxes }, axesInput ? [input, axesInput] : [input], 1, input.dtype)[0]!;

describe('reduce kernel', () => {
  it('sums over one axis with and without kept dims', () => {
    const y = reduce('sum', [1]);
    expect(y.shape).toEqual([2, 1]);
    expectTensorClose(y, f32([6, 15], [2, 1]), { rtol: 0, atol: 0 });
    expect(reduce('sum', [0], false).shape).toEqual([3]);
  });

  it('every op over all axes', () => {
    const cases: [ReduceOp, number][] = [
      ['sum', 21],
      ['prod', 720],
      ['max', 6],
      ['min', 1],
      ['mean', 3.5],
      ['l1', 21],
      ['l2', Math.sqrt(91)],
      ['log_sum', Math.log(21)],
      ['sum_square', 91],
      ['log_sum_exp', Math.log([1, 2, 3, 4, 5, 6].reduce((a, v) => a + Math.exp(v), 0))],
    ];
    for (const [op, want] of cases) expectTensorClose(reduce(op, null, false), f32([want], []), { rtol: 1e-6, atol: 0 });
  });

  it('log_sum_exp is stable for large inputs', () => {
    expectTensorClose(reduce('log_sum_exp', null, false, f32([1000, 1000])), f32([1000 + Math.log(2)], []), { rtol: 1e-7, atol: 0 });
  });

  it('takes axes from a second input; empty axes with noop returns the input', () => {
    expectTensorClose(reduce('max', null, false, x, i64([-1])), f32([3, 6]), { rtol: 0, atol: 0 });
    expectTensorClose(reduce('sum', null, true, x, i64([]), true), x, { rtol: 0, atol: 0 });
  });

  it('empty reductions give the identity', () => {
    const empty = Tensor.zeros('float32', [2, 0]);
    expect(reduce('sum', [1], false, empty).toArray()).toEqual([0, 0]);
    expect(reduce('max', [1], false, empty).toArray()).toEqual([-Infinity, -Infinity]);
    expect(reduce('max', [1], false, Tensor.zeros('int32', [1, 0])).toArray()).toEqual([-(2 ** 31)]);
  });

  it('int64 sums are exact', () => {
    const big = Tensor.fromValues('int64', [2], [2n ** 60n, 1n]);
    expect(reduce('sum', null, false, big).toArray()).toEqual([2n ** 60n + 1n]);
  });

  it('rejects out-of-range axes', () => {
    expect(
      isKilnError(
        thrown(() => reduce('sum', [2], true, iota('float32', [2, 3]))),
        ErrorCode.INVALID_ATTRIBUTE,
      ),
    ).toBe(true);
  });
});
