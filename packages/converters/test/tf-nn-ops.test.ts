import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { a, runOp } from './tf-test-graph.js';

const close = { rtol: 1e-5, atol: 1e-6 };
const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => i + from);
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const i32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('int32', shape, values);
const w = (t: Tensor): { weight: Tensor } => ({ weight: t });

describe('TF pooling (NHWC)', () => {
  const x = f32([1, 3, 3, 1], range(9, 1));
  const attrs = { ksize: a.ints([1, 2, 2, 1]), strides: a.ints([1, 2, 2, 1]), padding: a.s('SAME') };

  it('MaxPool SAME', () => {
    expectTensorClose(runOp('MaxPool', [x], attrs)[0]!, f32([1, 2, 2, 1], [5, 6, 8, 9]), close);
  });

  it('AvgPool SAME divides by the real elements only', () => {
    // Windows: [1,2,4,5] → 3, [3,6] → 4.5, [7,8] → 7.5, [9] → 9.
    expectTensorClose(runOp('AvgPool', [x], attrs)[0]!, f32([1, 2, 2, 1], [3, 4.5, 7.5, 9]), close);
  });
});

describe('TF matrix products', () => {
  const m = f32([2, 2], [1, 2, 3, 4]);
  it('MatMul with transpose_b', () => {
    expectTensorClose(runOp('MatMul', [m, w(m)], { transpose_b: a.b(true) })[0]!, f32([2, 2], [5, 11, 11, 25]), close);
  });
  it('_FusedMatMul with BiasAdd and Relu', () => {
    const [y] = runOp('_FusedMatMul', [m, w(f32([2, 2], [1, -1, 1, -1])), w(f32([2], [0, 1]))], {
      fused_ops: a.strings(['BiasAdd', 'Relu']),
    });
    expectTensorClose(y!, f32([2, 2], [3, 0, 7, 0]), close);
  });
  it('BatchMatMulV2 with adj_x broadcasts batch dims', () => {
    const [y] = runOp('BatchMatMulV2', [f32([2, 2, 1], [1, 2, 3, 4]), w(f32([2, 1], [1, 1]))], { adj_x: a.b(true) });
    expectTensorClose(y!, f32([2, 1, 1], [3, 7]), close);
  });
});

describe('TF normalization and activations', () => {
  it('FusedBatchNormV3 (inference) normalizes the last axis', () => {
    const stats = [f32([2], [1, 2]), f32([2], [0, 10]), f32([2], [1, -1]), f32([2], [4, 1])].map(w);
    const [y] = runOp('FusedBatchNormV3', [f32([1, 1, 2, 2], [3, 0, 5, 1]), ...stats], { epsilon: a.f(0), is_training: a.b(false) }, 6);
    // channel 0: (x − 1)/2; channel 1: (x + 1)·2 + 10.
    expectTensorClose(y!, f32([1, 1, 2, 2], [1, 12, 2, 14]), close);
  });

  it('Relu6, LeakyRelu, Elu, Selu, Softplus and Prelu', () => {
    const x = f32([4], [-2, -0.5, 1, 7]);
    expectTensorClose(runOp('Relu6', [x])[0]!, f32([4], [0, 0, 1, 6]), close);
    expectTensorClose(runOp('LeakyRelu', [x], { alpha: a.f(0.1) })[0]!, f32([4], [-0.2, -0.05, 1, 7]), close);
    expectTensorClose(runOp('Elu', [x])[0]!, f32([4], [Math.expm1(-2), Math.expm1(-0.5), 1, 7]), close);
    const selu = (v: number): number => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v));
    expectTensorClose(runOp('Selu', [x])[0]!, f32([4], [-2, -0.5, 1, 7].map(selu)), close);
    expectTensorClose(
      runOp('Softplus', [x])[0]!,
      f32(
        [4],
        [-2, -0.5, 1, 7].map((v) => Math.log1p(Math.exp(v))),
      ),
      close,
    );
    expectTensorClose(runOp('Prelu', [x, w(f32([4], [0.5, 2, 3, 4]))])[0]!, f32([4], [-1, -1, 1, 7]), close);
  });

  it('Softmax over the last axis', () => {
    const e = [Math.exp(0), Math.exp(1)];
    const s = e[0]! + e[1]!;
    expectTensorClose(runOp('Softmax', [f32([2, 2], [0, 1, 5, 5])])[0]!, f32([2, 2], [e[0]! / s, e[1]! / s, 0.5, 0.5]), close);
  });
});

describe('TF elementwise', () => {
  it('FloorDiv and FloorMod round toward −∞ for integers', () => {
    const x = i32([4], [7, -7, 7, -7]);
    const y = i32([4], [2, 2, -2, -2]);
    expect(runOp('FloorDiv', [x, y])[0]!.toArray()).toEqual([3, -4, -4, 3]);
    expect(runOp('FloorMod', [x, y])[0]!.toArray()).toEqual([1, 1, -1, -1]);
    expectTensorClose(runOp('FloorDiv', [f32([2], [7, -7]), f32([2], [2, 2])])[0]!, f32([2], [3, -4]), close);
  });

  it('SquaredDifference, Rsqrt, Square, NotEqual and broadcasting AddV2', () => {
    expectTensorClose(runOp('SquaredDifference', [f32([2], [1, 5]), f32([2], [4, 1])])[0]!, f32([2], [9, 16]), close);
    expectTensorClose(runOp('Rsqrt', [f32([2], [4, 0.25])])[0]!, f32([2], [0.5, 2]), close);
    expectTensorClose(runOp('Square', [f32([2], [-3, 2])])[0]!, f32([2], [9, 4]), close);
    expect(runOp('NotEqual', [f32([3], [1, 2, 3]), f32([3], [1, 0, 3])])[0]!.toArray()).toEqual([false, true, false]);
    expectTensorClose(runOp('AddV2', [f32([2, 1], [1, 2]), f32([3], [10, 20, 30])])[0]!, f32([2, 3], [11, 21, 31, 12, 22, 32]), close);
  });

  it('BiasAdd along the channel axis in NHWC and NCHW', () => {
    const x = f32([1, 2, 1, 1], [1, 2]);
    expectTensorClose(runOp('BiasAdd', [f32([1, 1, 1, 2], [1, 2]), w(f32([2], [10, 20]))])[0]!, f32([1, 1, 1, 2], [11, 22]), close);
    expectTensorClose(runOp('BiasAdd', [x, w(f32([2], [10, 20]))], { data_format: a.s('NCHW') })[0]!, f32([1, 2, 1, 1], [11, 22]), close);
  });
});

describe('TF reductions and selection', () => {
  const x = f32([2, 3], [1, 5, 3, 4, 2, 6]);
  it('Mean with keep_dims, Sum over all axes', () => {
    expectTensorClose(runOp('Mean', [x, w(i32([1], [1]))], { keep_dims: a.b(true) })[0]!, f32([2, 1], [3, 4]), close);
    expectTensorClose(runOp('Sum', [x, w(i32([2], [0, 1]))])[0]!, f32([], [21]), close);
  });
  it('ArgMax returns int32 when asked', () => {
    const [y] = runOp('ArgMax', [x, w(i32([], [1]))], { output_type: a.type('int32') });
    expect(y!.dtype).toBe('int32');
    expect(y!.toArray()).toEqual([1, 2]);
  });
  it('TopKV2 returns values and int32 indices', () => {
    const [values, indices] = runOp('TopKV2', [x, w(i32([], [2]))], { sorted: a.b(true) }, 2);
    expectTensorClose(values!, f32([2, 2], [5, 3, 6, 4]), close);
    expect(indices!.dtype).toBe('int32');
    expect(indices!.toArray()).toEqual([1, 2, 2, 0]);
  });
  it('Select picks rows with a vector condition; SelectV2 broadcasts', () => {
    const cond = Tensor.fromValues('bool', [2], [true, false]);
    const y = f32([2, 3], [0, 0, 0, 0, 0, 0]);
    expectTensorClose(runOp('Select', [cond, x, y])[0]!, f32([2, 3], [1, 5, 3, 0, 0, 0]), close);
    const colCond = Tensor.fromValues('bool', [3], [true, false, true]);
    expectTensorClose(runOp('SelectV2', [colCond, x, y])[0]!, f32([2, 3], [1, 0, 3, 4, 0, 6]), close);
  });
});
