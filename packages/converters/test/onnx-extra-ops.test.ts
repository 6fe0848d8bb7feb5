import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, float, int, ints, runNode, str, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape: number[]) => Tensor.fromValues('float32', shape, values);

describe('BitCast', () => {
  it('reinterprets float32 bits as int32 through kiln::BitCast', () => {
    const x = f32([1, -2], [2]);
    const spec = { op: 'BitCast', feeds: { x }, attributes: { to: int(6) }, opset: 26 };
    expect(convertNode(spec).layers.some((l) => l.kind === 'plugin' && l.params.name === 'BitCast')).toBe(true);
    const [y] = runNode(spec);
    expect(y!.dtype).toBe('int32');
    expect(Array.from(y!.data as Int32Array)).toEqual([0x3f800000, 0xc0000000 | 0]);
  });

  it('refuses a cast that changes the bit width', () => {
    expect(supportOf({ op: 'BitCast', feeds: { x: f32([1], [1]) }, attributes: { to: int(7) }, opset: 26 })).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/changes the width/),
    });
  });
});

describe('SwiGLU', () => {
  it('computes a·sigmoid(alpha·a)·b', () => {
    const a = f32([-1, 0, 2], [3]);
    const b = f32([2, 3, 0.5], [3]);
    const [y] = runNode({ op: 'SwiGLU', feeds: { a, b }, attributes: { alpha: float(1.5) }, opset: 28 });
    const swish = (v: number) => v / (1 + Math.exp(-1.5 * v));
    expectTensorClose(y!, f32([swish(-1) * 2, 0, swish(2) * 0.5], [3]), { rtol: 1e-6, atol: 1e-7 });
  });

  it('refuses inputs of different shapes (the spec does not broadcast)', () => {
    expect(supportOf({ op: 'SwiGLU', feeds: { a: f32([1, 2], [2]), b: f32([1], [1]) }, opset: 28 })).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/identical shapes/),
    });
  });
});

describe('Det', () => {
  it('computes batched determinants', () => {
    const x = f32([1, 2, 3, 4, 2, 0, 0, 5], [2, 2, 2]);
    const [y] = runNode({ op: 'Det', feeds: { x }, opset: 11 });
    expectTensorClose(y!, f32([-2, 10], [2]), { rtol: 1e-6, atol: 1e-6 });
  });
});

describe('TensorScatter', () => {
  it('writes the update at each batch write index, wrapping in circular mode', () => {
    const past = f32([0, 0, 0, 0, 0, 0], [2, 3, 1]);
    const update = f32([1, 2, 3, 4], [2, 2, 1]);
    const idx = Tensor.fromValues('int64', [2], [1n, 2n]);
    const [y] = runNode({ op: 'TensorScatter', feeds: { past, update, idx }, attributes: { mode: str('circular') }, opset: 24 });
    expectTensorClose(y!, f32([0, 1, 2, 4, 0, 3], [2, 3, 1]), { rtol: 0, atol: 0 });
  });

  it('rejects an unknown mode', () => {
    const past = f32([0], [1, 1, 1]);
    expect(supportOf({ op: 'TensorScatter', feeds: { past, update: past }, attributes: { mode: str('ring') }, opset: 24 })).toMatchObject({
      supported: false,
    });
  });
});

describe('DeformConv', () => {
  it('with zero offsets equals a plain convolution', () => {
    const x = f32([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
    const w = f32([1, 0, 0, -1], [1, 1, 2, 2]);
    const offset = f32(new Array(8 * 4).fill(0), [1, 8, 2, 2]);
    const [y] = runNode({ op: 'DeformConv', feeds: { x, w, offset }, attributes: { kernel_shape: ints([2, 2]) }, opset: 19 });
    expectTensorClose(y!, f32([-4, -4, -4, -4], [1, 1, 2, 2]), { rtol: 0, atol: 1e-6 });
  });

  it('rejects zero strides', () => {
    const x = f32([1], [1, 1, 1, 1]);
    expect(supportOf({ op: 'DeformConv', feeds: { x, w: x, offset: x }, attributes: { strides: ints([0, 1]) }, opset: 19 })).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/strides/),
    });
  });
});
