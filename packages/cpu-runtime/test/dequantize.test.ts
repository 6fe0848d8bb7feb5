import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

describe('dequantize kernel', () => {
  it('per tensor uint8 with zero point', () => {
    const q = Tensor.fromValues('uint8', [3], [0, 128, 255]);
    const [x] = runLayer('dequantize', { axis: null, quantizedType: 'uint8', floatType: 'float32' }, [
      q,
      f32([0.5], []),
      Tensor.fromValues('uint8', [], [128]),
    ]);
    expectTensorClose(x!, f32([-64, 0, 63.5]), { rtol: 0, atol: 0 });
  });

  it('per axis int32 without zero point, float16 output', () => {
    const q = Tensor.fromValues('int32', [2, 2], [1, 2, 3, 4]);
    const [x] = runLayer(
      'dequantize',
      { axis: 1, quantizedType: 'int32', floatType: 'float16' },
      [q, Tensor.fromValues('float16', [2], [0.5, 2])],
      1,
      'float16',
    );
    expect(x!.dtype).toBe('float16');
    expect(x!.toArray()).toEqual([0.5, 4, 1.5, 8]);
  });

  it('blocked int4 weights', () => {
    const q = Tensor.fromValues('int4', [4, 1], [-8, 7, 1, 2]);
    const [x] = runLayer('dequantize', { axis: 0, blockSize: 2, quantizedType: 'int4', floatType: 'float32' }, [q, f32([1, 10], [2, 1])]);
    expectTensorClose(x!, f32([-8, 7, 10, 20], [4, 1]), { rtol: 0, atol: 0 });
  });

  it('float8 inputs decode before scaling', () => {
    const q = Tensor.fromValues('float8e5m2', [2], [1.5, -4]);
    const [x] = runLayer('dequantize', { axis: null, quantizedType: 'float8e5m2', floatType: 'float32' }, [q, f32([2], [])]);
    expectTensorClose(x!, f32([3, -8]), { rtol: 0, atol: 0 });
  });
});
