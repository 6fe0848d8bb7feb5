import { ErrorCode, isKilnError, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

const bool = (values: boolean[], shape = [values.length]) => Tensor.fromValues('bool', shape, values);

describe('select kernel', () => {
  it('broadcasts condition and branches', () => {
    const [y] = runLayer('select', {}, [bool([true, false], [2, 1]), f32([1, 2, 3]), f32([-1], [1])]);
    expect(y!.shape).toEqual([2, 3]);
    expect(y!.toArray()).toEqual([1, 2, 3, -1, -1, -1]);
  });

  it('selects strings and int64 values unchanged', () => {
    const s = runLayer(
      'select',
      {},
      [bool([true, false]), Tensor.fromValues('string', [2], ['a', 'b']), Tensor.fromValues('string', [2], ['x', 'y'])],
      1,
      'string',
    )[0]!;
    expect(s.toArray()).toEqual(['a', 'y']);
    const big = 2n ** 62n + 1n;
    const i = runLayer(
      'select',
      {},
      [bool([false]), Tensor.fromValues('int64', [1], [0n]), Tensor.fromValues('int64', [1], [big])],
      1,
      'int64',
    )[0]!;
    expect(i.toArray()).toEqual([big]);
  });

  it('rejects a non-bool condition and mixed branch dtypes', () => {
    expect(
      isKilnError(
        thrown(() => runLayer('select', {}, [f32([1]), f32([1]), f32([2])])),
        ErrorCode.INVALID_DTYPE,
      ),
    ).toBe(true);
    expect(
      isKilnError(
        thrown(() => runLayer('select', {}, [bool([true]), f32([1]), Tensor.fromValues('int32', [1], [2])])),
        ErrorCode.INVALID_DTYPE,
      ),
    ).toBe(true);
  });
});
