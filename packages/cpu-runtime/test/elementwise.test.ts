import { ErrorCode, isKilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

const run = (op: Parameters<typeof runLayer<'elementwise'>>[1]['op'], a: Tensor, b: Tensor, fmod?: boolean) =>
  runLayer('elementwise', fmod === undefined ? { op } : { op, fmod }, [a, b], 1, a.dtype)[0]!;

describe('elementwise kernel', () => {
  it('adds with numpy broadcasting', () => {
    const y = run('add', f32([1, 2, 3, 4, 5, 6], [2, 3]), f32([10, 20, 30], [3]));
    expect(y.shape).toEqual([2, 3]);
    expectTensorClose(y, f32([11, 22, 33, 14, 25, 36], [2, 3]), { rtol: 0, atol: 0 });
  });

  it('integer division truncates toward zero', () => {
    const y = run('div', Tensor.fromValues('int32', [4], [7, -7, 7, -7]), Tensor.fromValues('int32', [4], [2, 2, -2, -2]));
    expect(y.toArray()).toEqual([3, -3, -3, 3]);
  });

  it('mod follows the divisor sign, fmod the dividend sign', () => {
    const a = Tensor.fromValues('int32', [4], [7, -7, 7, -7]);
    const b = Tensor.fromValues('int32', [4], [3, 3, -3, -3]);
    expect(run('mod', a, b).toArray()).toEqual([1, 2, -2, -1]);
    expect(run('mod', a, b, true).toArray()).toEqual([1, -1, 1, -1]);
    const fa = f32([5.5, -5.5]);
    expectTensorClose(run('mod', fa, f32([2, 2]), true), f32([1.5, -1.5]), { rtol: 0, atol: 0 });
  });

  it('int64 arithmetic stays exact beyond 2^53', () => {
    const big = 2n ** 60n + 1n;
    const a = Tensor.fromValues('int64', [2], [big, -big]);
    const b = Tensor.fromValues('int64', [2], [3n, 7n]);
    expect(run('add', a, b).toArray()).toEqual([big + 3n, -big + 7n]);
    expect(run('div', a, b).toArray()).toEqual([big / 3n, -big / 7n]);
    expect(run('mul', Tensor.fromValues('int64', [1], [2n ** 40n]), Tensor.fromValues('int64', [1], [2n ** 20n + 1n])).toArray()).toEqual([
      2n ** 60n + 2n ** 40n,
    ]);
  });

  it('32-bit integer products wrap like C', () => {
    const y = run('mul', Tensor.fromValues('int32', [1], [65537]), Tensor.fromValues('int32', [1], [65537]));
    expect(y.toArray()).toEqual([131073]);
    const u = run('mul', Tensor.fromValues('uint32', [1], [4294967295]), Tensor.fromValues('uint32', [1], [2]));
    expect(u.toArray()).toEqual([4294967294]);
  });

  it('pow accepts an exponent of another dtype and integer bases stay integers', () => {
    const y = run('pow', Tensor.fromValues('int64', [3], [2, 3, -2]), f32([3, 2, 3]));
    expect(y.dtype).toBe('int64');
    expect(y.toArray()).toEqual([8n, 9n, -8n]);
    expectTensorClose(run('pow', f32([4, 2]), Tensor.fromValues('int32', [2], [-1, 10])), f32([0.25, 1024]), { rtol: 0, atol: 0 });
  });

  it('integer pow wraps like C and stays fast for huge exponents', () => {
    expect(run('pow', Tensor.fromValues('int32', [2], [3, 2]), Tensor.fromValues('int32', [2], [40, 31])).toArray()).toEqual([
      Number(BigInt.asIntN(32, 3n ** 40n)),
      -(2 ** 31),
    ]);
    const y = run('pow', Tensor.fromValues('int64', [2], [3n, -1n]), Tensor.fromValues('int64', [2], [2n ** 62n + 1n, 2n ** 62n + 1n]));
    // 3 has multiplicative order 2^62 modulo 2^64, so 3^(2^62 + 1) wraps to 3.
    expect(y.toArray()).toEqual([3n, -1n]);
  });

  it('comparisons output bool and treat NaN as unordered', () => {
    const y = run('less', f32([1, Number.NaN, 3]), f32([2, 0, 3]));
    expect(y.dtype).toBe('bool');
    expect(y.toArray()).toEqual([true, false, false]);
    expect(run('greater_equal', f32([1, Number.NaN, 3]), f32([2, 0, 3])).toArray()).toEqual([false, false, true]);
  });

  it('equal compares strings', () => {
    const y = run('equal', Tensor.fromValues('string', [3], ['a', 'b', 'c']), Tensor.fromValues('string', [1], ['b']));
    expect(y.toArray()).toEqual([false, true, false]);
  });

  it('logical ops on bool', () => {
    const a = Tensor.fromValues('bool', [4], [true, true, false, false]);
    const b = Tensor.fromValues('bool', [4], [true, false, true, false]);
    expect(run('and', a, b).toArray()).toEqual([true, false, false, false]);
    expect(run('or', a, b).toArray()).toEqual([true, true, true, false]);
    expect(run('xor', a, b).toArray()).toEqual([false, true, true, false]);
  });

  it('bit shifts on unsigned types drop bits past the width', () => {
    const a = Tensor.fromValues('uint8', [3], [16, 255, 1]);
    const b = Tensor.fromValues('uint8', [3], [1, 4, 9]);
    expect(run('bit_shift_left', a, b).toArray()).toEqual([32, 240, 0]);
    expect(run('bit_shift_right', a, b).toArray()).toEqual([8, 15, 0]);
    const u64 = Tensor.fromValues('uint64', [1], [2n ** 63n]);
    expect(run('bit_shift_right', u64, Tensor.fromValues('uint64', [1], [62n])).toArray()).toEqual([2n]);
  });

  it('bitwise ops keep two’s complement semantics', () => {
    const a = Tensor.fromValues('int8', [2], [-1, 0x0f]);
    const b = Tensor.fromValues('int8', [2], [0x55, -16]);
    expect(run('bitwise_and', a, b).toArray()).toEqual([0x55, 0]);
    expect(run('bitwise_xor', Tensor.fromValues('uint32', [1], [0xffffffff]), Tensor.fromValues('uint32', [1], [1])).toArray()).toEqual([
      0xfffffffe,
    ]);
  });

  it('float16 results round to nearest even once', () => {
    const a = Tensor.fromValues('float16', [2], [1, 2048]);
    const b = Tensor.fromValues('float16', [2], [2 ** -11, 1]);
    // 1 + 2^-11 and 2048 + 1 are exact ties in float16: both round to the even neighbour.
    expect(run('add', a, b).toArray()).toEqual([1, 2048]);
  });

  it('max/min propagate NaN', () => {
    const y = run('max', f32([1, Number.NaN]), f32([Number.NaN, 0]));
    expect(Number.isNaN(y.toArray()[0] as number) && Number.isNaN(y.toArray()[1] as number)).toBe(true);
  });

  it('rejects mismatched dtypes and unbroadcastable shapes with KilnErrors', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e1 = err(() => run('add', f32([1]), Tensor.fromValues('int32', [1], [1])));
    expect(isKilnError(e1, ErrorCode.INVALID_DTYPE)).toBe(true);
    const e2 = err(() => run('add', f32([1, 2]), f32([1, 2, 3])));
    expect(isKilnError(e2, ErrorCode.SHAPE_MISMATCH)).toBe(true);
    expect((e2 as Error).message).toContain('elementwise_layer');
    const e3 = err(() => run('bit_shift_left', Tensor.fromValues('int8', [1], [1]), Tensor.fromValues('int8', [1], [1])));
    expect(isKilnError(e3, ErrorCode.UNSUPPORTED_DTYPE)).toBe(true);
  });
});
