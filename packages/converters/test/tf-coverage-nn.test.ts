import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { a, runOp } from './tf-test-graph.js';
import { fromTf, tf, toTf } from './tfjs-oracle.js';

const close = { rtol: 1e-5, atol: 1e-5 };
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const i32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('int32', shape, values);
const w = (t: Tensor): { weight: Tensor } => ({ weight: t });
const ramp = (shape: number[], scale = 0.1, offset = 0): Tensor => {
  const n = shape.reduce((p, d) => p * d, 1);
  return f32(
    shape,
    Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + offset) * scale * 10),
  );
};

describe('TF convolutions from the TF.js list', () => {
  it('Conv1D (NWC) with stride, dilation and SAME / VALID padding', () => {
    const x = ramp([2, 9, 3]);
    const filter = ramp([3, 3, 4], 0.1, 1);
    for (const [pad, stride, dilation] of [
      ['SAME', 2, 1],
      ['VALID', 1, 2],
    ] as const) {
      const r = runOp('Conv1D', [x, w(filter)], {
        stride: a.i(stride),
        padding: a.s(pad),
        dilation: a.i(dilation),
        data_format: a.s('NWC'),
      })[0]!;
      const ref = tf.conv1d(
        toTf(x) as tf.Tensor3D,
        toTf(filter) as tf.Tensor3D,
        stride,
        pad === 'SAME' ? 'same' : 'valid',
        'NWC',
        dilation,
      );
      expectTensorClose(r, fromTf(ref), close);
    }
  });

  it('DepthwiseConv2d is DepthwiseConv2dNative under its TF.js name', () => {
    const x = ramp([1, 5, 5, 2]);
    const filter = ramp([3, 3, 2, 2], 0.1, 2);
    const r = runOp('DepthwiseConv2d', [x, w(filter)], { strides: a.ints([1, 1, 1, 1]), padding: a.s('SAME') })[0]!;
    expectTensorClose(r, fromTf(tf.depthwiseConv2d(toTf(x) as tf.Tensor4D, toTf(filter) as tf.Tensor4D, 1, 'same')), close);
  });

  it('Dilation2D with strides, rates and both paddings', () => {
    const x = ramp([2, 6, 7, 2]);
    const filter = ramp([2, 3, 2], 0.1, 3);
    for (const [padding, s, r] of [
      ['SAME', 2, 1],
      ['VALID', 1, 2],
      ['SAME', 1, 2],
    ] as const) {
      const y = runOp('Dilation2D', [x, w(filter)], {
        strides: a.ints([1, s, s, 1]),
        rates: a.ints([1, r, r, 1]),
        padding: a.s(padding),
      })[0]!;
      const ref = tf.dilation2d(toTf(x) as tf.Tensor4D, toTf(filter) as tf.Tensor3D, s, padding === 'SAME' ? 'same' : 'valid', r);
      expectTensorClose(y, fromTf(ref), close);
    }
  });

  it('MaxPoolWithArgmax returns TF flat NHWC indices, with or without the batch term', () => {
    const x = ramp([2, 4, 5, 3]);
    for (const includeBatch of [false, true]) {
      const [y, idx] = runOp(
        'MaxPoolWithArgmax',
        [x],
        { ksize: a.ints([1, 2, 2, 1]), strides: a.ints([1, 2, 2, 1]), padding: a.s('SAME'), include_batch_in_index: a.b(includeBatch) },
        2,
      );
      const ref = tf.maxPoolWithArgmax(toTf(x) as tf.Tensor4D, 2, 2, 'same', includeBatch);
      expectTensorClose(y!, fromTf(ref.result), close);
      expect(Array.from(idx!.toFloat64())).toEqual(Array.from(ref.indexes.dataSync()));
    }
  });
});

describe('TF image sampling ops', () => {
  const image = ramp([2, 5, 6, 2]);
  const boxes = f32([3, 4], [0.1, 0.2, 0.8, 0.9, 0.5, 0.5, 0.5, 0.5, -0.2, 0.3, 1.2, 0.6]);
  const boxInd = i32([3], [0, 1, 1]);

  it('CropAndResize bilinear and nearest, with extrapolation outside the image', () => {
    for (const method of ['bilinear', 'nearest'] as const) {
      const r = runOp('CropAndResize', [image, boxes, boxInd, w(i32([2], [4, 3]))], {
        method: a.s(method),
        extrapolation_value: a.f(-7),
      })[0]!;
      const ref = tf.image.cropAndResize(
        toTf(image) as tf.Tensor4D,
        toTf(boxes) as tf.Tensor2D,
        toTf(boxInd) as tf.Tensor1D,
        [4, 3],
        method,
        -7,
      );
      expectTensorClose(r, fromTf(ref), close);
    }
  });

  it('CropAndResize samples the box centre for a crop size of 1', () => {
    const r = runOp('CropAndResize', [image, boxes, boxInd, w(i32([2], [1, 1]))])[0]!;
    const ref = tf.image.cropAndResize(toTf(image) as tf.Tensor4D, toTf(boxes) as tf.Tensor2D, toTf(boxInd) as tf.Tensor1D, [1, 1]);
    expectTensorClose(r, fromTf(ref), close);
  });

  it('ImageProjectiveTransformV3 for each interpolation and fill mode, per-image transforms', () => {
    const transforms = f32([2, 8], [1.1, 0.2, -1.3, -0.1, 0.9, 0.7, 0.01, -0.02, 0.8, -0.3, 2.2, 0.25, 1.2, -1.6, 0, 0]);
    for (const interpolation of ['NEAREST', 'BILINEAR'] as const) {
      for (const fillMode of ['CONSTANT', 'REFLECT', 'WRAP', 'NEAREST'] as const) {
        const r = runOp('ImageProjectiveTransformV3', [image, transforms, w(i32([2], [7, 4])), f32([], [0.5])], {
          interpolation: a.s(interpolation),
          fill_mode: a.s(fillMode),
          dtype: a.type('float32'),
        })[0]!;
        // TF.js 4.22's CPU kernel returns after the first image, so the oracle runs image by image.
        const perImage = [0, 1].map((b) =>
          tf.image.transform(
            tf.slice(toTf(image), [b, 0, 0, 0], [1, 5, 6, 2]) as tf.Tensor4D,
            tf.slice(toTf(transforms), [b, 0], [1, 8]) as tf.Tensor2D,
            interpolation === 'NEAREST' ? 'nearest' : 'bilinear',
            fillMode.toLowerCase() as 'constant',
            0.5,
            [7, 4],
          ),
        );
        expectTensorClose(r, fromTf(tf.concat(perImage, 0)), close);
      }
    }
  });
});

describe('TF soft NMS (NonMaxSuppressionV5, soft_nms_sigma > 0)', () => {
  const boxes = f32([6, 4], [0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, -0.1, 1, 0.9, 0, 10, 1, 11, 0, 10.1, 1, 11.1, 0, 100, 1, 101]);
  const scores = f32([6], [0.9, 0.75, 0.6, 0.95, 0.5, 0.3]);

  it('decays overlapping scores with the Gaussian penalty (TF.js agrees where iou_threshold is 1)', async () => {
    for (const [sigma, scoreThreshold, max] of [
      [0.5, 0, 6],
      [0.2, 0.25, 4],
      [0.9, 0.1, 10],
    ] as const) {
      const [idx, sel, valid] = runOp(
        'NonMaxSuppressionV5',
        [boxes, scores, w(i32([], [max])), w(f32([], [1])), w(f32([], [scoreThreshold])), w(f32([], [sigma]))],
        {},
        3,
      );
      const ref = await tf.image.nonMaxSuppressionWithScoreAsync(
        toTf(boxes) as tf.Tensor2D,
        toTf(scores) as tf.Tensor1D,
        max,
        1,
        scoreThreshold,
        sigma,
      );
      expect(idx!.toArray()).toEqual(Array.from(ref.selectedIndices.dataSync()));
      expectTensorClose(sel!, fromTf(ref.selectedScores), close);
      expect(valid!.toArray()).toEqual([ref.selectedIndices.size]);
    }
  });

  it('ignores iou_threshold in soft mode, as TensorFlow does (TF.js cuts there instead)', () => {
    // Boxes 0 and 1 overlap with IoU 0.9 / 1.1; box 1 is decayed, not dropped.
    const pair = f32([2, 4], [0, 0, 1, 1, 0, 0.1, 1, 1.1]);
    const [idx, sel] = runOp(
      'NonMaxSuppressionV5',
      [pair, f32([2], [0.9, 0.8]), w(i32([], [2])), w(f32([], [0.5])), w(f32([], [0])), w(f32([], [0.5]))],
      {},
      3,
    );
    const iou = 0.9 / 1.1;
    expect(idx!.toArray()).toEqual([0, 1]);
    expectTensorClose(sel!, f32([2], [0.9, 0.8 * Math.exp((-0.5 / 0.5) * iou * iou)]), close);
  });

  it('pads to max_output_size when asked', () => {
    const [idx, sel, valid] = runOp(
      'NonMaxSuppressionV5',
      [boxes, scores, w(i32([], [9])), w(f32([], [0.5])), w(f32([], [0.6])), w(f32([], [0.5]))],
      { pad_to_max_output_size: a.b(true) },
      3,
    );
    expect(idx!.shape).toEqual([9]);
    expect(sel!.shape).toEqual([9]);
    const n = valid!.getNumber(0);
    expect((idx!.toArray() as number[]).slice(n).every((v) => v === 0)).toBe(true);
  });
});

describe('TF sparse segment and reshape ops', () => {
  const data = f32([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  const indices = i32([5], [0, 1, 3, 2, 3]);
  const segments = i32([5], [0, 0, 1, 3, 3]);

  it('SparseSegmentSum and SparseSegmentMean (empty segments are zero)', () => {
    const sum = runOp('SparseSegmentSum', [data, indices, segments])[0]!;
    expectTensorClose(
      sum,
      fromTf(tf.sparse.sparseSegmentSum(toTf(data), toTf(indices) as tf.Tensor1D, toTf(segments) as tf.Tensor1D)),
      close,
    );
    const mean = runOp('SparseSegmentMean', [data, indices, segments])[0]!;
    expectTensorClose(
      mean,
      fromTf(tf.sparse.sparseSegmentMean(toTf(data), toTf(indices) as tf.Tensor1D, toTf(segments) as tf.Tensor1D)),
      close,
    );
  });

  it('SparseReshape re-expresses indices in the new shape, inferring -1', () => {
    const idx = Tensor.fromValues('int64', [3, 2], [0, 1, 1, 2, 3, 0]);
    const [newIdx, shape] = runOp(
      'SparseReshape',
      [idx, Tensor.fromValues('int64', [2], [4, 3]), Tensor.fromValues('int64', [3], [2, -1, 2])],
      {},
      2,
    );
    const ref = tf.sparse.sparseReshape(
      tf.tensor2d([0, 1, 1, 2, 3, 0], [3, 2], 'int32'),
      tf.tensor1d([4, 3], 'int32'),
      tf.tensor1d([2, -1, 2], 'int32'),
    );
    expect(Array.from(newIdx!.toFloat64())).toEqual(Array.from(ref.outputIndices.dataSync()));
    expect(Array.from(shape!.toFloat64())).toEqual(Array.from(ref.outputShape.dataSync()));
    expect(() =>
      runOp('SparseReshape', [idx, Tensor.fromValues('int64', [2], [4, 3]), Tensor.fromValues('int64', [1], [5])], {}, 2),
    ).toThrow(/cannot reshape/);
  });
});
