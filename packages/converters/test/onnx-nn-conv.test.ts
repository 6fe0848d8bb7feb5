import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, int, ints, runNode, str, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape: number[]) => Tensor.fromValues('float32', shape, values);
const ones = (shape: number[]) => f32(new Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape);
// 3×3 image holding 1..9.
const image = f32([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);

describe('ONNX Conv family converters', () => {
  it('Conv with SAME_UPPER becomes one convolution layer computing box sums', () => {
    const spec = { op: 'Conv', feeds: { x: image }, weights: { w: ones([1, 1, 2, 2]) }, attributes: { auto_pad: str('SAME_UPPER') } };
    const net = convertNode(spec);
    const conv = net.layers.find((l) => l.kind === 'convolution');
    expect(conv?.kind === 'convolution' && conv.params.paddingMode).toBe('same_upper');
    // out = ceil(3/1) = 3; total pad 1, all at the end.
    expectTensorClose(runNode(spec)[0]!, f32([12, 16, 9, 24, 28, 15, 15, 17, 9], [1, 1, 3, 3]), { rtol: 0, atol: 0 });
  });

  it('Conv with bias, strides and explicit pads', () => {
    const spec = {
      op: 'Conv',
      feeds: { x: image },
      weights: { w: ones([2, 1, 3, 3]), b: f32([0, 100], [2]) },
      attributes: { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) },
    };
    expectTensorClose(runNode(spec)[0]!, f32([12, 16, 24, 28, 112, 116, 124, 128], [1, 2, 2, 2]), { rtol: 0, atol: 0 });
  });

  it('ConvTranspose honours output_shape', () => {
    const spec = {
      op: 'ConvTranspose',
      feeds: { x: f32([1, 2], [1, 1, 2]) },
      weights: { w: f32([1, 1, 1], [1, 1, 3]) },
      attributes: { strides: ints([2]), output_shape: ints([5]) },
    };
    // full length 2*(2-1)+3 = 5: x0 → [0,3), x1 → [2,5)
    expectTensorClose(runNode(spec)[0]!, f32([1, 1, 3, 2, 2], [1, 1, 5]), { rtol: 0, atol: 0 });
  });

  it('ConvInteger subtracts zero points and accumulates exactly in int32', () => {
    const x = Tensor.fromValues('uint8', [1, 1, 2, 2], [10, 20, 30, 40]);
    const w = Tensor.fromValues('uint8', [1, 1, 2, 2], [1, 2, 3, 4]);
    const [y] = runNode({
      op: 'ConvInteger',
      feeds: { x },
      weights: { w, xz: Tensor.fromValues('uint8', [], [10]), wz: Tensor.fromValues('uint8', [], [1]) },
    });
    expect(y!.dtype).toBe('int32');
    // (0, 10, 20, 30) · (0, 1, 2, 3) = 140
    expect(Array.from(y!.data as Int32Array)).toEqual([140]);
  });

  it('QLinearConv dequantizes, convolves and requantizes', () => {
    const u8 = (v: number[], shape: number[]) => Tensor.fromValues('uint8', shape, v);
    const s = (v: number) => Tensor.fromValues('float32', [], [v]);
    const spec = {
      op: 'QLinearConv',
      feeds: { x: u8([2, 4, 6, 8], [1, 1, 2, 2]) },
      weights: { xs: s(0.5), xz: u8([0], []), w: u8([1, 1, 1, 1], [1, 1, 2, 2]), ws: s(2), wz: u8([0], []), ys: s(4), yz: u8([3], []) },
      nodeInputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'],
    };
    const [y] = runNode(spec);
    // real x = 1,2,3,4; real w = 2 each → 20; 20 / 4 + 3 = 8
    expect(y!.dtype).toBe('uint8');
    expect(Array.from(y!.data as Uint8Array)).toEqual([8]);
  });

  it('validators reject bad auto_pad, odd pads, zero groups and integer Conv inputs', () => {
    const base = { op: 'Conv', feeds: { x: image }, weights: { w: ones([1, 1, 2, 2]) } };
    expect(supportOf({ ...base, attributes: { auto_pad: str('SOMETIMES') } })).toMatchObject({
      supported: false,
      category: 'unsupported-attribute',
    });
    expect(supportOf({ ...base, attributes: { pads: ints([1, 1, 1]) } })).toMatchObject({
      supported: false,
      category: 'unsupported-attribute',
    });
    expect(supportOf({ ...base, attributes: { group: int(0) } })).toMatchObject({ supported: false, category: 'unsupported-attribute' });
    expect(
      supportOf({ op: 'Conv', feeds: { x: Tensor.fromValues('int32', [1, 1, 1, 1], [1]) }, weights: { w: ones([1, 1, 1, 1]) } }),
    ).toMatchObject({ supported: false, category: 'unsupported-dtype' });
    expect(supportOf({ ...base, attributes: { kernel_shape: ints([3, 3]) } })).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/disagrees with the weights/),
    });
    expect(supportOf(base)).toMatchObject({ supported: true });
  });
});

describe('ONNX pooling converters', () => {
  it('MaxPool with an Indices output yields an int64 second output', () => {
    const [y, idx] = runNode({ op: 'MaxPool', feeds: { x: image }, outputs: ['y', 'i'], attributes: { kernel_shape: ints([2, 2]) } });
    expectTensorClose(y!, f32([5, 6, 8, 9], [1, 1, 2, 2]), { rtol: 0, atol: 0 });
    expect(idx!.dtype).toBe('int64');
    expect(Array.from(idx!.data as BigInt64Array, Number)).toEqual([4, 5, 7, 8]);
  });

  it('AveragePool count_include_pad and GlobalAveragePool', () => {
    const attrs = { kernel_shape: ints([2, 2]), pads: ints([1, 1, 0, 0]), count_include_pad: int(1) };
    expect(runNode({ op: 'AveragePool', feeds: { x: image }, attributes: attrs })[0]!.toFloat64()[0]).toBeCloseTo(0.25, 6);
    expectTensorClose(runNode({ op: 'GlobalAveragePool', feeds: { x: image } })[0]!, f32([5], [1, 1, 1, 1]), { rtol: 0, atol: 1e-6 });
  });

  it('rejects pooling without kernel_shape and LpPool with p ≤ 0', () => {
    expect(supportOf({ op: 'MaxPool', feeds: { x: image } })).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/kernel_shape/),
    });
    expect(supportOf({ op: 'LpPool', feeds: { x: image }, attributes: { kernel_shape: ints([2, 2]), p: int(0) } })).toMatchObject({
      supported: false,
    });
  });
});
