import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, it } from 'vitest';
import { a, runOp } from './tf-test-graph.js';

const close = { rtol: 1e-5, atol: 1e-5 };
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => i + from);

describe('TF convolutions (NHWC)', () => {
  // x = [[1,2,3],[4,5,6],[7,8,9]]; a 2x2 filter of ones on channel 0 and twos on channel 1.
  const x = f32([1, 3, 3, 1], range(9, 1));
  const filter = f32([2, 2, 1, 2], [1, 2, 1, 2, 1, 2, 1, 2]);
  const sums = [12, 16, 9, 24, 28, 15, 15, 17, 9];

  it('Conv2D SAME pads the end, like TensorFlow', () => {
    const [y] = runOp('Conv2D', [x, { weight: filter }], { strides: a.ints([1, 1, 1, 1]), padding: a.s('SAME'), T: a.type('float32') });
    expectTensorClose(
      y!,
      f32(
        [1, 3, 3, 2],
        sums.flatMap((s) => [s, 2 * s]),
      ),
      close,
    );
  });

  it('Conv2D VALID with strides 2', () => {
    const [y] = runOp('Conv2D', [f32([1, 4, 4, 1], range(16)), { weight: f32([2, 2, 1, 1], [1, 1, 1, 1]) }], {
      strides: a.ints([1, 2, 2, 1]),
      padding: a.s('VALID'),
    });
    // Window sums of [[0,1],[4,5]], [[2,3],[6,7]], [[8,9],[12,13]], [[10,11],[14,15]].
    expectTensorClose(y!, f32([1, 2, 2, 1], [10, 18, 42, 50]), close);
  });

  it('Conv2D with EXPLICIT padding and in NCHW', () => {
    const row = f32([1, 1, 2, 1], [1, 2]);
    const ones = { weight: f32([1, 2, 1, 1], [1, 1]) };
    // Pad one column on the left only: windows [0,1], [1,2].
    const explicit = { strides: a.ints([1, 1, 1, 1]), padding: a.s('EXPLICIT'), explicit_paddings: a.ints([0, 0, 0, 0, 1, 0, 0, 0]) };
    expectTensorClose(runOp('Conv2D', [row, ones], explicit)[0]!, f32([1, 1, 2, 1], [1, 3]), close);
    const nchw = f32([1, 1, 1, 3], [1, 2, 3]);
    const [y] = runOp('Conv2D', [nchw, ones], { strides: a.ints([1, 1, 1, 1]), padding: a.s('VALID'), data_format: a.s('NCHW') });
    expectTensorClose(y!, f32([1, 1, 1, 2], [3, 5]), close);
  });

  it('dilated Conv2D reads every other pixel', () => {
    const [y] = runOp('Conv2D', [f32([1, 5, 5, 1], range(25)), { weight: f32([2, 2, 1, 1], [1, 1, 1, 1]) }], {
      strides: a.ints([1, 1, 1, 1]),
      dilations: a.ints([1, 2, 2, 1]),
      padding: a.s('VALID'),
    });
    // x[i][j] = 5i + j; the dilated window sums to 20i + 4j + 24.
    const expected = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => 20 * i + 4 * j + 24));
    expectTensorClose(y!, f32([1, 3, 3, 1], expected), close);
  });

  it('DepthwiseConv2dNative orders outputs channel-major (c·M + m)', () => {
    const dx = f32([1, 2, 2, 2], [1, 10, 2, 20, 3, 30, 4, 40]);
    const df = f32([1, 1, 2, 2], [1, 2, 3, 4]);
    const [y] = runOp('DepthwiseConv2dNative', [dx, { weight: df }], { strides: a.ints([1, 1, 1, 1]), padding: a.s('VALID') });
    const pixel = (c0: number, c1: number): number[] => [c0 * 1, c0 * 2, c1 * 3, c1 * 4];
    expectTensorClose(y!, f32([1, 2, 2, 4], [...pixel(1, 10), ...pixel(2, 20), ...pixel(3, 30), ...pixel(4, 40)]), close);
  });

  it('_FusedConv2D applies BiasAdd then Relu6', () => {
    const [y] = runOp('_FusedConv2D', [x, { weight: filter }, { weight: f32([2], [-10, 1]) }], {
      strides: a.ints([1, 1, 1, 1]),
      padding: a.s('SAME'),
      fused_ops: a.strings(['BiasAdd', 'Relu6']),
      num_args: a.i(1),
    });
    const clip6 = (v: number): number => Math.min(6, Math.max(0, v));
    expectTensorClose(
      y!,
      f32(
        [1, 3, 3, 2],
        sums.flatMap((s) => [clip6(s - 10), clip6(2 * s + 1)]),
      ),
      close,
    );
  });

  it('_FusedConv2D with FusedBatchNorm and LeakyRelu', () => {
    const bn = [f32([1], [2]), f32([1], [-30]), f32([1], [1]), f32([1], [3])].map((weight) => ({ weight }));
    const [y] = runOp('_FusedConv2D', [x, { weight: f32([2, 2, 1, 1], [1, 1, 1, 1]) }, ...bn], {
      strides: a.ints([1, 1, 1, 1]),
      padding: a.s('SAME'),
      fused_ops: a.strings(['FusedBatchNorm', 'LeakyRelu']),
      epsilon: a.f(1),
      leakyrelu_alpha: a.f(0.5),
    });
    // (s − 1) · 2 / √(3 + 1) − 30 = s − 31, then LeakyRelu(0.5).
    const leaky = (v: number): number => (v > 0 ? v : 0.5 * v);
    expectTensorClose(
      y!,
      f32(
        [1, 3, 3, 1],
        sums.map((s) => leaky(s - 31)),
      ),
      close,
    );
  });

  it('FusedDepthwiseConv2dNative with BiasAdd and Prelu', () => {
    const dx = f32([1, 1, 2, 2], [1, -1, -2, 2]);
    const [y] = runOp(
      'FusedDepthwiseConv2dNative',
      [dx, { weight: f32([1, 1, 2, 1], [1, 3]) }, { weight: f32([2], [0, 1]) }, { weight: f32([2], [0.1, 0.2]) }],
      {
        strides: a.ints([1, 1, 1, 1]),
        padding: a.s('VALID'),
        fused_ops: a.strings(['BiasAdd', 'Prelu']),
      },
    );
    // channel 0: x·1 + 0 → prelu 0.1; channel 1: x·3 + 1 → prelu 0.2.
    expectTensorClose(y!, f32([1, 1, 2, 2], [1, -0.4, -0.2, 7]), close);
  });
});

describe('TF 3-D convolution and pooling (NDHWC)', () => {
  // x[d][h][w] = 4d + 2h + w on a 2x2x2 volume with one channel.
  const x = f32([1, 2, 2, 2, 1], range(8));

  it('Conv3D VALID with a 2x2x2 filter of ones sums the volume; two output channels', () => {
    const filter = f32(
      [2, 2, 2, 1, 2],
      new Array<number>(8).fill(0).flatMap(() => [1, -1]),
    );
    const [y] = runOp('Conv3D', [x, { weight: filter }], { strides: a.ints([1, 1, 1, 1, 1]), padding: a.s('VALID') });
    expectTensorClose(y!, f32([1, 1, 1, 1, 2], [28, -28]), close);
  });

  it('MaxPool3D and AvgPool3D', () => {
    const attrs = { ksize: a.ints([1, 2, 2, 1, 1]), strides: a.ints([1, 2, 2, 1, 1]), padding: a.s('VALID') };
    // Pool over d and h only: per w column, max of {w, 2+w, 4+w, 6+w} and their mean.
    expectTensorClose(runOp('MaxPool3D', [x], attrs)[0]!, f32([1, 1, 1, 2, 1], [6, 7]), close);
    expectTensorClose(runOp('AvgPool3D', [x], attrs)[0]!, f32([1, 1, 1, 2, 1], [3, 4]), close);
  });
});
