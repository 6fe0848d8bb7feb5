import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { a, runOp, runTf } from './tf-test-graph.js';

const exact = { rtol: 0, atol: 0 };
const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => i + from);
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const i32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('int32', shape, values);
const w = (t: Tensor): { weight: Tensor } => ({ weight: t });
const x24 = f32([2, 3, 4], range(24));

function stridedSlice(begin: number[], end: number[], strides: number[], masks: Record<string, number>): Tensor {
  const attrs = Object.fromEntries(Object.entries(masks).map(([k, v]) => [k, a.i(v)]));
  const n = begin.length;
  return runOp('StridedSlice', [x24, w(i32([n], begin)), w(i32([n], end)), w(i32([n], strides))], attrs)[0]!;
}

describe('StridedSlice', () => {
  it('slices with strides: x[:, 1:3, ::2]', () => {
    expectTensorClose(stridedSlice([0, 1, 0], [2, 3, 4], [1, 1, 2], {}), f32([2, 2, 2], [4, 6, 8, 10, 16, 18, 20, 22]), exact);
  });
  it('shrinks an axis: x[1]', () => {
    expectTensorClose(stridedSlice([1], [2], [1], { shrink_axis_mask: 1 }), f32([3, 4], range(12, 12)), exact);
  });
  it('expands an ellipsis: x[..., 0]', () => {
    expectTensorClose(
      stridedSlice([0, 0], [0, 1], [1, 1], { ellipsis_mask: 1, shrink_axis_mask: 2 }),
      f32([2, 3], [0, 4, 8, 12, 16, 20]),
      exact,
    );
  });
  it('reverses with a negative stride and begin/end masks: x[::-1]', () => {
    expectTensorClose(
      stridedSlice([0], [0], [-1], { begin_mask: 1, end_mask: 1 }),
      f32([2, 3, 4], [...range(12, 12), ...range(12)]),
      exact,
    );
  });
  it('inserts a new axis: x[tf.newaxis, 0:2]', () => {
    expectTensorClose(stridedSlice([0, 0], [0, 2], [1, 1], { new_axis_mask: 1 }), f32([1, 2, 3, 4], range(24)), exact);
  });
});

describe('shape ops', () => {
  it('Pack stacks along a new axis and Unpack takes it apart', () => {
    const [packed] = runOp('Pack', [f32([2], [1, 2]), f32([2], [3, 4])], { axis: a.i(1), N: a.i(2) });
    expectTensorClose(packed!, f32([2, 2], [1, 3, 2, 4]), exact);
    const parts = runOp('Unpack', [f32([2, 3], range(6))], { axis: a.i(1), num: a.i(3) }, 3);
    for (const [i, p] of parts.entries()) expectTensorClose(p, f32([2], [i, i + 3]), exact);
  });

  it('ConcatV2 takes its axis last, Concat first', () => {
    const [c2] = runOp('ConcatV2', [f32([1, 2], [1, 2]), f32([1, 1], [3]), w(i32([], [-1]))], {});
    expectTensorClose(c2!, f32([1, 3], [1, 2, 3]), exact);
    const [c1] = runOp('Concat', [w(i32([], [0])), f32([1, 2], [1, 2]), f32([1, 2], [3, 4])], {});
    expectTensorClose(c1!, f32([2, 2], [1, 2, 3, 4]), exact);
  });

  it('Split (axis first) and SplitV with an inferred -1 size', () => {
    const parts = runOp('Split', [w(i32([], [1])), f32([2, 4], range(8))], { num_split: a.i(2) }, 2);
    expectTensorClose(parts[0]!, f32([2, 2], [0, 1, 4, 5]), exact);
    expectTensorClose(parts[1]!, f32([2, 2], [2, 3, 6, 7]), exact);
    const v = runOp('SplitV', [f32([5], range(5)), w(i32([2], [2, -1])), w(i32([], [0]))], { num_split: a.i(2) }, 2);
    expectTensorClose(v[0]!, f32([2], [0, 1]), exact);
    expectTensorClose(v[1]!, f32([3], [2, 3, 4]), exact);
  });

  it('Slice with size -1 runs to the end', () => {
    const [y] = runOp('Slice', [f32([3, 3], range(9)), w(i32([2], [1, 0])), w(i32([2], [-1, 2]))]);
    expectTensorClose(y!, f32([2, 2], [3, 4, 6, 7]), exact);
  });

  it('Pad, PadV2 and MirrorPad', () => {
    const paddings = w(i32([2, 2], [0, 1, 1, 0]));
    const [p] = runOp('Pad', [f32([1, 2], [1, 2]), paddings]);
    expectTensorClose(p!, f32([2, 3], [0, 1, 2, 0, 0, 0]), exact);
    const [p2] = runOp('PadV2', [f32([1, 2], [1, 2]), paddings, w(f32([], [9]))]);
    expectTensorClose(p2!, f32([2, 3], [9, 1, 2, 9, 9, 9]), exact);
    const [m] = runOp('MirrorPad', [f32([3], [1, 2, 3]), w(i32([1, 2], [2, 1]))], { mode: a.s('REFLECT') });
    expectTensorClose(m!, f32([6], [3, 2, 1, 2, 3, 2]), exact);
  });

  it('Reshape (with -1), ExpandDims, Squeeze and Transpose', () => {
    const [r] = runOp('Reshape', [f32([2, 3], range(6)), w(i32([2], [3, -1]))]);
    expectTensorClose(r!, f32([3, 2], range(6)), exact);
    const [e] = runOp('ExpandDims', [f32([2], [1, 2]), w(i32([], [-1]))]);
    expectTensorClose(e!, f32([2, 1], [1, 2]), exact);
    const [s] = runOp('Squeeze', [f32([1, 2, 1], [1, 2])], { squeeze_dims: a.ints([0]) });
    expectTensorClose(s!, f32([2, 1], [1, 2]), exact);
    const [t] = runOp('Transpose', [f32([2, 3], range(6)), w(i32([2], [1, 0]))]);
    expectTensorClose(t!, f32([3, 2], [0, 3, 1, 4, 2, 5]), exact);
  });

  it('Shape, Size and Rank give int32 by default', () => {
    const x = f32([2, 3, 1], range(6));
    expect(runOp('Shape', [x])[0]!).toMatchObject({ dtype: 'int32', shape: [3] });
    expect(runOp('Shape', [x])[0]!.toArray()).toEqual([2, 3, 1]);
    expect(runOp('Size', [x])[0]!.toArray()).toEqual([6]);
    expect(runOp('Rank', [x])[0]!.toArray()).toEqual([3]);
    expect(runOp('Shape', [x], { out_type: a.type('int64') })[0]!.dtype).toBe('int64');
  });

  it('Fill, ZerosLike, OnesLike, Range, Tile and Cast', () => {
    expectTensorClose(runOp('Fill', [w(i32([2], [2, 2])), w(f32([], [7]))])[0]!, f32([2, 2], [7, 7, 7, 7]), exact);
    expectTensorClose(runOp('ZerosLike', [f32([3], [4, 5, 6])])[0]!, f32([3], [0, 0, 0]), exact);
    expectTensorClose(runOp('OnesLike', [f32([2], [4, 5])])[0]!, f32([2], [1, 1]), exact);
    expectTensorClose(
      runOp('Range', [w(i32([], [1])), w(i32([], [10])), w(i32([], [3]))], { Tidx: a.type('int32') })[0]!,
      i32([3], [1, 4, 7]),
      exact,
    );
    expectTensorClose(runOp('Tile', [f32([2], [1, 2]), w(i32([1], [2]))])[0]!, f32([4], [1, 2, 1, 2]), exact);
    expectTensorClose(runOp('Cast', [f32([3], [1.7, -1.7, 0])], { DstT: a.type('int32') })[0]!, i32([3], [1, -1, 0]), exact);
  });

  it('GatherV2 along axis 1 and GatherNd', () => {
    const x = f32([2, 3], range(6));
    expectTensorClose(runOp('GatherV2', [x, w(i32([2], [2, 0])), w(i32([], [1]))])[0]!, f32([2, 2], [2, 0, 5, 3]), exact);
    expectTensorClose(runOp('GatherNd', [x, w(i32([2, 2], [1, 2, 0, 1]))])[0]!, f32([2], [5, 1]), exact);
  });

  it('Identity of a constant stays constant for shape arithmetic downstream', () => {
    const out = runTf(
      {
        inputs: { x: { dtype: 'float32', shape: [2, 3] } },
        weights: { shape: i32([1], [6]) },
        nodes: [
          { name: 'shape_copy', op: 'Identity', inputs: ['shape'] },
          { name: 'flat', op: 'Reshape', inputs: ['x', 'shape_copy'] },
        ],
        outputs: ['flat'],
      },
      { x: f32([2, 3], range(6)) },
    );
    expectTensorClose(out.get('flat')!, f32([6], range(6)), exact);
  });
});
