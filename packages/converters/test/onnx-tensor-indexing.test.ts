import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, int, runNode, str } from './onnx-tensor-harness.js';

const x = { name: 'x', dtype: 'float32' as const, shape: [2, 3] };
const data = Tensor.fromValues('float32', [2, 3], [1, 2, 3, 4, 5, 6]);

describe('ONNX indexing converters', () => {
  it('Compress with an axis gathers the selected slices', () => {
    const spec = {
      op: 'Compress',
      opset: 11,
      attributes: { axis: int(1) },
      inputs: [x],
      weights: { c: Tensor.fromValues('bool', [3], [true, false, true]) },
    };
    const [y] = runNode(spec, { x: data });
    expect(y!.shape).toEqual([2, 2]);
    expect(y!.toArray()).toEqual([1, 3, 4, 6]);
  });

  it('Compress without an axis works on the flattened input', () => {
    const spec = { op: 'Compress', opset: 11, inputs: [x, { name: 'c', dtype: 'bool' as const, shape: [4] }] };
    const [y] = runNode(spec, { x: data, c: Tensor.fromValues('bool', [4], [false, true, false, true]) });
    expect(y!.toArray()).toEqual([2, 4]);
  });

  it('OneHot uses the values dtype and a normalised axis', () => {
    const spec = {
      op: 'OneHot',
      opset: 11,
      attributes: { axis: int(-2) },
      inputs: [{ name: 'i', dtype: 'int64' as const, shape: [2] }],
      weights: { d: Tensor.scalar('int64', 3), v: Tensor.fromValues('int32', [2], [0, 1]) },
    };
    const layer = convertNode(spec).layers.find((l) => l.kind === 'one_hot')!;
    expect(layer.params).toEqual({ axis: 0 });
    const [y] = runNode(spec, { i: Tensor.fromValues('int64', [2], [2, 0]) });
    expect(y!.dtype).toBe('int32');
    expect(y!.toArray()).toEqual([0, 1, 0, 0, 1, 0]);
  });

  it('GatherND and ScatterElements with a reduction', () => {
    const g = { op: 'GatherND', opset: 13, inputs: [x], weights: { i: Tensor.fromValues('int64', [1, 2], [1, 2]) } };
    expect(runNode(g, { x: data })[0]!.toArray()).toEqual([6]);
    const s = {
      op: 'ScatterElements',
      opset: 18,
      attributes: { axis: int(1), reduction: str('mul') },
      inputs: [x],
      weights: { i: Tensor.fromValues('int64', [1, 1], [2]), u: Tensor.fromValues('float32', [1, 1], [10]) },
    };
    expectTensorClose(runNode(s, { x: data })[0]!, Tensor.fromValues('float32', [2, 3], [1, 2, 30, 4, 5, 6]), { rtol: 0, atol: 0 });
    expect(() => convertNode({ ...s, attributes: { reduction: str('mean') } })).toThrow(/reduction='mean'/);
  });

  it('Gather rejects an axis outside the input rank', () => {
    const spec = {
      op: 'Gather',
      opset: 13,
      attributes: { axis: int(2) },
      inputs: [x],
      weights: { i: Tensor.fromValues('int64', [1], [0]) },
    };
    expect(() => convertNode(spec)).toThrow(/axis 2 is out of range for rank 2/);
  });
});
