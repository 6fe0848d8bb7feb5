import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, int, ints, runNode } from './onnx-tensor-harness.js';

const iota = (shape: number[]) =>
  Tensor.fromValues(
    'float32',
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
  );
const exact = { rtol: 0, atol: 0 };

describe('ONNX Reshape / Flatten / Transpose converters', () => {
  it('Reshape with a constant shape becomes a shuffle with reshape params and a known output shape', () => {
    const spec = {
      op: 'Reshape',
      opset: 14,
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: [2, 3] }],
      weights: { s: Tensor.fromValues('int64', [2], [3, -1]) },
    };
    const net = convertNode(spec);
    const layer = net.layers.find((l) => l.kind === 'shuffle')!;
    expect(layer.params).toEqual({ reshape: [3, -1] });
    expect(net.tensor(layer.outputs[0]!).shape).toEqual([3, 2]);
    const [y] = runNode(spec, { x: iota([2, 3]) });
    expectTensorClose(y!, iota([3, 2]), exact);
  });

  it('Reshape with a dynamic shape input and allowzero keeps zeros as dims', () => {
    const spec = {
      op: 'Reshape',
      opset: 14,
      attributes: { allowzero: int(1) },
      inputs: [
        { name: 'x', dtype: 'float32' as const, shape: [0, 3] },
        { name: 's', dtype: 'int64' as const, shape: [2] },
      ],
    };
    const [y] = runNode(spec, { x: Tensor.zeros('float32', [0, 3]), s: Tensor.fromValues('int64', [2], [3, 0]) });
    expect(y!.shape).toEqual([3, 0]);
  });

  it('Reshape-1 reads the shape attribute', () => {
    const spec = {
      op: 'Reshape',
      opset: 1,
      attributes: { shape: ints([6]) },
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: [2, 3] }],
    };
    expect(runNode(spec, { x: iota([2, 3]) })[0]!.shape).toEqual([6]);
  });

  it('Flatten with static and symbolic leading dims', () => {
    const staticSpec = {
      op: 'Flatten',
      opset: 13,
      attributes: { axis: int(-1) },
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: [2, 3, 4] }],
    };
    expect(runNode(staticSpec, { x: iota([2, 3, 4]) })[0]!.shape).toEqual([6, 4]);
    const dynamicSpec = {
      op: 'Flatten',
      opset: 13,
      attributes: { axis: int(2) },
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: ['a', 'b', 'c'] }],
    };
    const net = convertNode(dynamicSpec);
    expect(net.layers.some((l) => l.kind === 'reduce')).toBe(true);
    const [y] = runNode(dynamicSpec, { x: iota([2, 3, 4]) });
    expect(y!.shape).toEqual([6, 4]);
    expectTensorClose(y!, iota([6, 4]), exact);
  });

  it('Transpose defaults to reversing the axes', () => {
    const spec = { op: 'Transpose', opset: 13, inputs: [{ name: 'x', dtype: 'float32' as const, shape: [2, 3] }] };
    const [y] = runNode(spec, { x: iota([2, 3]) });
    expectTensorClose(y!, Tensor.fromValues('float32', [3, 2], [0, 3, 1, 4, 2, 5]), exact);
  });

  it('Squeeze/Unsqueeze read axes from attributes before opset 13 and from inputs after', () => {
    const x = iota([1, 3]);
    const sq11 = {
      op: 'Squeeze',
      opset: 11,
      attributes: { axes: ints([0]) },
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: [1, 3] }],
    };
    expect(runNode(sq11, { x })[0]!.shape).toEqual([3]);
    const sq13 = {
      op: 'Squeeze',
      opset: 13,
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: [1, 3] }],
      weights: { a: Tensor.fromValues('int64', [1], [-2]) },
    };
    expect(convertNode(sq13).layers.find((l) => l.kind === 'squeeze')!.params).toEqual({ axes: [0] });
    const un13 = {
      op: 'Unsqueeze',
      opset: 13,
      inputs: [
        { name: 'x', dtype: 'float32' as const, shape: [1, 3] },
        { name: 'a', dtype: 'int64' as const, shape: [1] },
      ],
    };
    expect(runNode(un13, { x, a: Tensor.fromValues('int64', [1], [-1]) })[0]!.shape).toEqual([1, 3, 1]);
  });

  it('DepthToSpace rejects an unknown mode through its validator', () => {
    const spec = {
      op: 'DepthToSpace',
      opset: 13,
      attributes: { blocksize: int(2), mode: { kind: 'string' as const, value: 'XYZ' } },
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: [1, 4, 1, 1] }],
    };
    expect(() => convertNode(spec)).toThrow(/mode='XYZ'/);
  });

  it('Tile-1 (input, tiles, axis) becomes a tile with a repeats constant', () => {
    const spec = {
      op: 'Tile',
      opset: 1,
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: [2] }],
      weights: { t: Tensor.fromValues('int64', [1], [3]), a: Tensor.fromValues('int64', [1], [0]) },
    };
    expect(runNode(spec, { x: iota([2]) })[0]!.toArray()).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('Expand infers a broadcast output shape from a constant shape and rejects incompatible ones', () => {
    const spec = {
      op: 'Expand',
      opset: 13,
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: ['n', 1] }],
      weights: { s: Tensor.fromValues('int64', [3], [2, 1, 4]) },
    };
    const net = convertNode(spec);
    expect(net.tensor(net.outputs[0]!).shape).toEqual([2, 'n', 4]);
    const bad = { ...spec, inputs: [{ name: 'x', dtype: 'float32' as const, shape: [3] }] };
    expect(() => convertNode(bad)).toThrow(/cannot expand/);
  });
});
