import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { a, runOp, runTf } from './tf-test-graph.js';

const close = { rtol: 1e-5, atol: 1e-6 };
const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => i + from);
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const i32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('int32', shape, values);
const bool = (shape: number[], values: boolean[]): Tensor => Tensor.fromValues('bool', shape, values);
const w = (t: Tensor): { weight: Tensor } => ({ weight: t });

describe('more TF math', () => {
  it('AddN, Log1p and Expm1', () => {
    expectTensorClose(runOp('AddN', [f32([2], [1, 2]), f32([2], [3, 4]), f32([2], [5, 6])])[0]!, f32([2], [9, 12]), close);
    expectTensorClose(runOp('Log1p', [f32([2], [0, Math.E - 1])])[0]!, f32([2], [0, 1]), close);
    expectTensorClose(runOp('Expm1', [f32([2], [0, 1])])[0]!, f32([2], [0, Math.E - 1]), close);
  });

  it('IsInf and IsFinite', () => {
    const x = f32([4], [1, Number.POSITIVE_INFINITY, Number.NaN, Number.NEGATIVE_INFINITY]);
    expect(runOp('IsInf', [x])[0]!.toArray()).toEqual([false, true, false, true]);
    expect(runOp('IsFinite', [x])[0]!.toArray()).toEqual([true, false, false, false]);
  });

  it('MatrixBandPart keeps a band; −1 keeps a whole side', () => {
    const x = f32([3, 3], range(9, 1));
    const band = (lower: number, upper: number): Tensor => runOp('MatrixBandPart', [x, w(i32([], [lower])), w(i32([], [upper]))])[0]!;
    expectTensorClose(band(-1, 0), f32([3, 3], [1, 0, 0, 4, 5, 0, 7, 8, 9]), close);
    expectTensorClose(band(0, 1), f32([3, 3], [1, 2, 0, 0, 5, 6, 0, 0, 9]), close);
    expectTensorClose(band(-1, -1), x, close);
  });

  it('All and Any reduce booleans', () => {
    const x = bool([2, 2], [true, false, true, true]);
    expect(runOp('All', [x, w(i32([], [1]))])[0]!.toArray()).toEqual([false, true]);
    expect(runOp('Any', [x, w(i32([], [1]))])[0]!.toArray()).toEqual([true, true]);
  });

  it('Cumsum with exclusive and reverse; Einsum', () => {
    const x = f32([3], [1, 2, 3]);
    const axis = w(i32([], [0]));
    expectTensorClose(runOp('Cumsum', [x, axis])[0]!, f32([3], [1, 3, 6]), close);
    expectTensorClose(runOp('Cumsum', [x, axis], { exclusive: a.b(true) })[0]!, f32([3], [0, 1, 3]), close);
    expectTensorClose(runOp('Cumsum', [x, axis], { reverse: a.b(true) })[0]!, f32([3], [6, 5, 3]), close);
    const m = f32([2, 2], [1, 2, 3, 4]);
    expectTensorClose(runOp('Einsum', [m, m], { equation: a.s('ij,jk->ik') })[0]!, f32([2, 2], [7, 10, 15, 22]), close);
  });
});

describe('more TF tensor ops', () => {
  it('OneHot, Where and ReverseV2', () => {
    const [oh] = runOp('OneHot', [i32([2], [0, 2]), w(i32([], [3])), w(f32([], [5])), w(f32([], [0]))], { axis: a.i(-1) });
    expectTensorClose(oh!, f32([2, 3], [5, 0, 0, 0, 0, 5]), close);
    const [where] = runOp('Where', [bool([2, 2], [true, false, false, true])]);
    expect(where!.shape).toEqual([2, 2]);
    expect(where!.toArray()).toEqual([0n, 0n, 1n, 1n]);
    expectTensorClose(runOp('ReverseV2', [f32([2, 3], range(6)), w(i32([1], [1]))])[0]!, f32([2, 3], [2, 1, 0, 5, 4, 3]), close);
  });

  it('DepthToSpace and SpaceToDepth (NHWC) are inverse', () => {
    const x = f32([1, 1, 2, 4], range(8, 1));
    const [d2s] = runOp('DepthToSpace', [x], { block_size: a.i(2) });
    // out[i, 2w + j] = in[w, 2i + j]
    expectTensorClose(d2s!, f32([1, 2, 4, 1], [1, 2, 5, 6, 3, 4, 7, 8]), close);
    expectTensorClose(runOp('SpaceToDepth', [d2s!], { block_size: a.i(2) })[0]!, x, close);
  });

  it('LRN normalizes across channels with TF alpha', () => {
    const [y] = runOp('LRN', [f32([1, 1, 1, 3], [1, 2, 3])], { depth_radius: a.i(1), bias: a.f(1), alpha: a.f(1), beta: a.f(1) });
    expectTensorClose(y!, f32([1, 1, 1, 3], [1 / 6, 2 / 15, 3 / 14]), close);
  });

  it('ResizeBicubic keeps a constant image constant', () => {
    const [y] = runOp('ResizeBicubic', [f32([1, 2, 2, 1], [5, 5, 5, 5]), w(i32([2], [3, 3]))], { half_pixel_centers: a.b(true) });
    expectTensorClose(y!, f32([1, 3, 3, 1], new Array<number>(9).fill(5)), close);
  });
});

describe('Conv2DBackpropInput (NHWC)', () => {
  const x = f32([1, 2, 2, 1], [1, 2, 3, 4]);

  it('VALID with stride 2 spreads each pixel over a block, padding extra rows with zeros', () => {
    const ones = w(f32([2, 2, 1, 1], [1, 1, 1, 1]));
    const attrs = { strides: a.ints([1, 2, 2, 1]), padding: a.s('VALID') };
    const [y] = runOp('Conv2DBackpropInput', [w(i32([4], [1, 4, 4, 1])), ones, x], attrs);
    expectTensorClose(y!, f32([1, 4, 4, 1], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]), close);
    const [bigger] = runOp('Conv2DBackpropInput', [w(i32([4], [1, 5, 5, 1])), ones, x], attrs);
    expectTensorClose(bigger!, f32([1, 5, 5, 1], [1, 1, 2, 2, 0, 1, 1, 2, 2, 0, 3, 3, 4, 4, 0, 3, 3, 4, 4, 0, 0, 0, 0, 0, 0]), close);
  });

  it('SAME with stride 1 and a 3x3 filter sums every input', () => {
    const [y] = runOp('Conv2DBackpropInput', [w(i32([4], [1, 2, 2, 1])), w(f32([3, 3, 1, 1], new Array<number>(9).fill(1))), x], {
      strides: a.ints([1, 1, 1, 1]),
      padding: a.s('SAME'),
    });
    expectTensorClose(y!, f32([1, 2, 2, 1], [10, 10, 10, 10]), close);
  });
});

describe('SpaceToBatchND / BatchToSpaceND', () => {
  const x = f32([1, 4, 4, 1], range(16));
  const block = w(i32([2], [2, 2]));
  const batches = [0, 2, 8, 10, 1, 3, 9, 11, 4, 6, 12, 14, 5, 7, 13, 15];

  it('moves 2x2 blocks into the batch and back, with crops', () => {
    const [stb] = runOp('SpaceToBatchND', [x, block, w(i32([2, 2], [0, 0, 0, 0]))]);
    expectTensorClose(stb!, f32([4, 2, 2, 1], batches), close);
    const [bts] = runOp('BatchToSpaceND', [stb!, block, w(i32([2, 2], [0, 0, 0, 0]))]);
    expectTensorClose(bts!, x, close);
    const [cropped] = runOp('BatchToSpaceND', [stb!, block, w(i32([2, 2], [0, 1, 1, 0]))]);
    expectTensorClose(cropped!, f32([1, 3, 3, 1], [1, 2, 3, 5, 6, 7, 9, 10, 11]), close);
  });

  it('SpaceToBatchND → Conv2D → BatchToSpaceND equals the dilated convolution (TF1 atrous)', () => {
    const out = runTf(
      {
        inputs: { x: { dtype: 'float32', shape: [1, 5, 5, 1] } },
        weights: { block: i32([2], [2, 2]), pads: i32([2, 2], [0, 1, 0, 1]), filter: f32([2, 2, 1, 1], [1, 1, 1, 1]) },
        nodes: [
          { name: 'stb', op: 'SpaceToBatchND', inputs: ['x', 'block', 'pads'] },
          { name: 'conv', op: 'Conv2D', inputs: ['stb', 'filter'], attrs: { strides: a.ints([1, 1, 1, 1]), padding: a.s('VALID') } },
          { name: 'bts', op: 'BatchToSpaceND', inputs: ['conv', 'block', 'pads'] },
        ],
        outputs: ['bts'],
      },
      { x: f32([1, 5, 5, 1], range(25)) },
    );
    const expected = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => 20 * i + 4 * j + 24));
    expectTensorClose(out.get('bts')!, f32([1, 3, 3, 1], expected), close);
  });
});
