import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, int, ints, runNode } from './onnx-math-harness.js';

const f32 = (values: number[], shape = [values.length]) => Tensor.fromValues('float32', shape, values);
const x = f32([1, 2, 3, 4, 5, 6], [2, 3]);
const i64 = (values: number[]) => Tensor.fromValues('int64', [values.length], values);

describe('ONNX reduce converters', () => {
  it('axes are an attribute before opset 13 (ReduceSum) and 18 (others)', () => {
    const [s11] = runNode({ op: 'ReduceSum', opset: 11, feeds: { x }, attributes: { axes: ints([1]), keepdims: int(0) } });
    expectTensorClose(s11!, f32([6, 15]), { rtol: 0, atol: 0 });
    const [m17] = runNode({ op: 'ReduceMean', opset: 17, feeds: { x }, attributes: { axes: ints([0]) } });
    expectTensorClose(m17!, f32([2.5, 3.5, 4.5], [1, 3]), { rtol: 0, atol: 0 });
  });

  it('a constant axes input folds into params; a dynamic one stays an input', () => {
    const folded = convertNode({ op: 'ReduceSum', opset: 13, feeds: { x }, weights: { axes: i64([-1]) } });
    const layer = folded.layers.find((l) => l.kind === 'reduce')!;
    expect(layer.params).toMatchObject({ axes: [1] });
    expect(layer.inputs.length).toBe(1);
    const dynamic = { op: 'ReduceMax', opset: 18, feeds: { x, axes: i64([0]) }, attributes: { keepdims: int(0) } };
    expect(convertNode(dynamic).layers.find((l) => l.kind === 'reduce')!.inputs.length).toBe(2);
    expectTensorClose(runNode(dynamic)[0]!, f32([4, 5, 6]), { rtol: 0, atol: 0 });
  });

  it('no axes reduces everything unless noop_with_empty_axes', () => {
    expectTensorClose(runNode({ op: 'ReduceProd', opset: 18, feeds: { x }, attributes: { keepdims: int(0) } })[0]!, f32([720], []), {
      rtol: 0,
      atol: 0,
    });
    expectTensorClose(runNode({ op: 'ReduceL2', opset: 18, feeds: { x }, attributes: { noop_with_empty_axes: int(1) } })[0]!, x, {
      rtol: 0,
      atol: 0,
    });
  });

  it('ArgMax/ArgMin produce int64 with keepdims and select_last_index', () => {
    const t = f32([1, 9, 9, 0], [2, 2]);
    const network = convertNode({ op: 'ArgMax', feeds: { t }, attributes: { axis: int(1) } });
    expect(network.tensor('y').dtype).toBe('int64');
    expect(runNode({ op: 'ArgMax', feeds: { t }, attributes: { axis: int(1) } })[0]!.toArray()).toEqual([1n, 0n]);
    const ties = f32([1, 0, 1, 0], [2, 2]);
    const argMin = (last: number) =>
      runNode({ op: 'ArgMin', feeds: { ties }, attributes: { axis: int(0), keepdims: int(0), select_last_index: int(last) } })[0]!;
    expect(argMin(0).toArray()).toEqual([0n, 0n]);
    expect(argMin(1).toArray()).toEqual([1n, 1n]);
  });
});
