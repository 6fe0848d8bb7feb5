import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, flt, flts, ints, runNode, str } from './onnx-tensor-harness.js';

const iota = (shape: number[]) =>
  Tensor.fromValues(
    'float32',
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
  );

describe('ONNX Pad / CenterCropPad converters', () => {
  it('Pad-2 reads pads, mode and value from attributes', () => {
    const spec = {
      op: 'Pad',
      opset: 2,
      attributes: { pads: ints([1, 0]), value: flt(9) },
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: [2] }],
    };
    expect(runNode(spec, { x: iota([2]) })[0]!.toArray()).toEqual([9, 0, 1]);
  });

  it('Pad-1 reads the old paddings attribute', () => {
    const spec = {
      op: 'Pad',
      opset: 1,
      attributes: { paddings: ints([0, 2]), mode: str('edge') },
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: [2] }],
    };
    expect(runNode(spec, { x: iota([2]) })[0]!.toArray()).toEqual([0, 1, 1, 1]);
  });

  it('Pad-18 takes axes as an input and wrap mode needs opset 19 names', () => {
    const spec = {
      op: 'Pad',
      opset: 19,
      attributes: { mode: str('wrap') },
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: [1, 3] }],
      weights: {
        pads: Tensor.fromValues('int64', [2], [1, 1]),
        value: Tensor.scalar('float32', 0),
        axes: Tensor.fromValues('int64', [1], [-1]),
      },
    };
    expect(runNode(spec, { x: iota([1, 3]) })[0]!.toArray()).toEqual([2, 0, 1, 2, 0]);
    expect(() => convertNode({ ...spec, attributes: { mode: str('mirror') } })).toThrow(/mode='mirror'/);
  });

  it('CenterCropPad lowers to slice + padding when shapes are static', () => {
    const spec = {
      op: 'CenterCropPad',
      opset: 18,
      inputs: [{ name: 'x', dtype: 'float32' as const, shape: [5, 2] }],
      weights: { s: Tensor.fromValues('int64', [2], [3, 4]) },
    };
    const net = convertNode(spec);
    expect(net.layers.map((l) => l.kind).filter((k) => k !== 'constant')).toEqual(['slice', 'padding']);
    const [y] = runNode(spec, { x: iota([5, 2]) });
    expect(y!.shape).toEqual([3, 4]);
    expect(y!.toArray()).toEqual([0, 2, 3, 0, 0, 4, 5, 0, 0, 6, 7, 0]);
  });
});

describe('ONNX Resize / Upsample converters', () => {
  const x = { name: 'x', dtype: 'float32' as const, shape: [1, 1, 1, 2] };

  it('Upsample-7 takes scales from the attribute (asymmetric, floor)', () => {
    const spec = { op: 'Upsample', opset: 7, attributes: { scales: flts([1, 1, 1, 2]) }, inputs: [x] };
    expect(runNode(spec, { x: iota([1, 1, 1, 2]) })[0]!.toArray()).toEqual([0, 0, 1, 1]);
  });

  it('Upsample-9 linear uses the scales input', () => {
    const spec = {
      op: 'Upsample',
      opset: 9,
      attributes: { mode: str('linear') },
      inputs: [x],
      weights: { s: Tensor.fromValues('float32', [4], [1, 1, 1, 2]) },
    };
    const [y] = runNode(spec, { x: iota([1, 1, 1, 2]) });
    expectTensorClose(y!, Tensor.fromValues('float32', [1, 1, 1, 4], [0, 0.5, 1, 1]), { rtol: 1e-6, atol: 1e-6 });
  });

  it('Resize-13 maps attributes onto the layer and reads sizes', () => {
    const spec = {
      op: 'Resize',
      opset: 13,
      attributes: { mode: str('linear'), coordinate_transformation_mode: str('align_corners') },
      inputs: [x],
      weights: {
        roi: Tensor.zeros('float32', [0]),
        scales: Tensor.zeros('float32', [0]),
        sizes: Tensor.fromValues('int64', [4], [1, 1, 1, 3]),
      },
    };
    const layer = convertNode(spec).layers.find((l) => l.kind === 'resize')!;
    expect(layer.params).toMatchObject({ mode: 'linear', coordinateTransform: 'align_corners', nearestMode: 'round_prefer_floor' });
    const [y] = runNode(spec, { x: iota([1, 1, 1, 2]) });
    expectTensorClose(y!, Tensor.fromValues('float32', [1, 1, 1, 3], [0, 0.5, 1]), { rtol: 1e-6, atol: 1e-6 });
  });

  it('Resize-18 normalises axes and rejects unknown modes', () => {
    const spec = {
      op: 'Resize',
      opset: 18,
      attributes: { axes: ints([-1]) },
      inputs: [x],
      nodeInputs: ['x', '', 'scales'],
      weights: { scales: Tensor.fromValues('float32', [1], [2]) },
    };
    expect(convertNode(spec).layers.find((l) => l.kind === 'resize')!.params).toMatchObject({ axes: [3] });
    expect(() => convertNode({ ...spec, attributes: { mode: str('area') } })).toThrow(/mode='area'/);
    expect(() => convertNode({ ...spec, attributes: { coordinate_transformation_mode: str('x') } })).toThrow(
      /coordinate_transformation_mode='x'/,
    );
  });

  it('rejects a Resize without scales or sizes', () => {
    const spec = { op: 'Resize', opset: 13, inputs: [x], nodeInputs: ['x'] };
    expect(() => convertNode(spec)).toThrow(/scales or sizes/);
  });
});
