import { ErrorCode, isKilnError, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

describe('quantize kernel', () => {
  it('per tensor: rounds half to even and saturates to uint8', () => {
    const x = f32([0, 1, 2.5, 3.5, -100, 1000]);
    const [q] = runLayer(
      'quantize',
      { axis: null, quantizedType: 'uint8', floatType: 'float32' },
      [x, f32([1], []), Tensor.fromValues('uint8', [], [10])],
      1,
      'uint8',
    );
    expect(q!.toArray()).toEqual([10, 11, 12, 14, 0, 255]);
  });

  it('per axis with int8 zero points', () => {
    const x = f32([1, 2, 3, 4], [2, 2]);
    const [q] = runLayer(
      'quantize',
      { axis: 0, quantizedType: 'int8', floatType: 'float32' },
      [x, f32([0.5, 2]), Tensor.fromValues('int8', [2], [0, -1])],
      1,
      'int8',
    );
    expect(q!.toArray()).toEqual([2, 4, 1, 1]); // 3 / 2 = 1.5 rounds to 2, then − 1
  });

  it('blocked scales (opset 21) along an axis', () => {
    const x = f32([1, 2, 3, 4, 5, 6], [1, 6]);
    const scale = f32([1, 2, 4], [1, 3]);
    const [q] = runLayer('quantize', { axis: 1, blockSize: 2, quantizedType: 'int8', floatType: 'float32' }, [x, scale], 1, 'int8');
    expect(q!.toArray()).toEqual([1, 2, 2, 2, 1, 2]);
  });

  it('int4 saturates to [-8, 7]; float8 uses RNE and saturation', () => {
    const [q] = runLayer(
      'quantize',
      { axis: null, quantizedType: 'int4', floatType: 'float32' },
      [f32([-100, 3.5, 100]), f32([1], [])],
      1,
      'int4',
    );
    expect(q!.toArray()).toEqual([-8, 4, 7]);
    const [f8] = runLayer(
      'quantize',
      { axis: null, quantizedType: 'float8e4m3fn', floatType: 'float32' },
      [f32([1000, 1.0625]), f32([1], [])],
      1,
      'float8e4m3fn',
    );
    expect(f8!.toArray()).toEqual([448, 1]);
  });

  it('rejects a per-axis scale of the wrong length', () => {
    const e = thrown(() =>
      runLayer(
        'quantize',
        { axis: 1, quantizedType: 'uint8', floatType: 'float32' },
        [f32([1, 2, 3, 4], [2, 2]), f32([1, 2, 3])],
        1,
        'uint8',
      ),
    );
    expect(isKilnError(e, ErrorCode.SHAPE_MISMATCH)).toBe(true);
  });
});
