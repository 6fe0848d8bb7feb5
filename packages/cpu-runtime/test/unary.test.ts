import { ErrorCode, isKilnError, Tensor, type UnaryOp } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { erf, roundHalfEven } from '../src/kernels/unary.js';
import { f32, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

const run = (op: UnaryOp, x: Tensor, out = x.dtype) => runLayer('unary', { op }, [x], 1, out)[0]!;

describe('unary kernel', () => {
  it('computes trigonometric and exponential functions', () => {
    const x = f32([0, 0.5, -1]);
    expectTensorClose(run('sin', x), f32([0, Math.sin(0.5), Math.sin(-1)]), { rtol: 1e-7, atol: 0 });
    expectTensorClose(run('exp', x), f32([1, Math.exp(0.5), Math.exp(-1)]), { rtol: 1e-7, atol: 0 });
    expectTensorClose(run('atanh', f32([0.5])), f32([0.5493061443340549]), { rtol: 1e-7, atol: 0 });
  });

  it('rounds half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
    expect(run('round', f32([0.5, 1.5, 2.5])).toArray()).toEqual([0, 2, 2]);
  });

  it('erf matches reference values across its range', () => {
    const cases: [number, number][] = [
      [0.1, 0.1124629160182849],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [-0.5, -0.5204998778130465],
    ];
    for (const [x, want] of cases) expect(Math.abs(erf(x) - want)).toBeLessThan(1e-14);
  });

  it('is_nan / is_inf / not output bool', () => {
    const x = f32([1, Number.NaN, Infinity, -Infinity]);
    expect(run('is_nan', x, 'bool').toArray()).toEqual([false, true, false, false]);
    expect(runLayer('unary', { op: 'is_inf', detectNegative: false }, [x], 1, 'bool')[0]!.toArray()).toEqual([false, false, true, false]);
    expect(run('not', Tensor.fromValues('bool', [2], [true, false])).toArray()).toEqual([false, true]);
  });

  it('integer abs/neg/sign and bitwise_not, int64 exactly', () => {
    const big = -(2n ** 62n) - 3n;
    expect(run('abs', Tensor.fromValues('int64', [2], [big, 5n])).toArray()).toEqual([-big, 5n]);
    expect(run('sign', Tensor.fromValues('int32', [3], [-7, 0, 9])).toArray()).toEqual([-1, 0, 1]);
    expect(run('bitwise_not', Tensor.fromValues('uint8', [2], [0, 0x0f])).toArray()).toEqual([255, 0xf0]);
    expect(run('bitwise_not', Tensor.fromValues('int64', [1], [0n])).toArray()).toEqual([-1n]);
  });

  it('float16 inputs compute in float and round back', () => {
    const y = run('sqrt', Tensor.fromValues('float16', [2], [2, 9]));
    expect(y.dtype).toBe('float16');
    expectTensorClose(y, Tensor.fromValues('float16', [2], [Math.SQRT2, 3]), { rtol: 0, atol: 0 });
  });

  it('rejects float-only ops on integers and strings', () => {
    expect(
      isKilnError(
        thrown(() => run('exp', Tensor.fromValues('int32', [1], [1]))),
        ErrorCode.UNSUPPORTED_DTYPE,
      ),
    ).toBe(true);
    expect(
      isKilnError(
        thrown(() => run('abs', Tensor.fromValues('string', [1], ['a']))),
        ErrorCode.UNSUPPORTED_DTYPE,
      ),
    ).toBe(true);
    expect(
      isKilnError(
        thrown(() => run('not', f32([1]))),
        ErrorCode.UNSUPPORTED_DTYPE,
      ),
    ).toBe(true);
  });
});
