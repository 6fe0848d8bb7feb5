/**
 * kiln::MaxRoiPool v1 — ONNX MaxRoiPool (Fast R-CNN). inputs [X [N,C,H,W], rois [R,5]
 * (batch, x1, y1, x2, y2)]; fields pooledShape [h, w], spatialScale. Roi corners are scaled and
 * rounded; each output bin takes the max over its (floor/ceil-bounded) cells, 0 when empty.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from '../kernels/util/values.js';
import { numberField, numbersField, pluginError, pluginInput } from './plugin-fields.js';

export const maxRoiPoolPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x = pluginInput(layer, inputs, 0, 'X');
  const rois = pluginInput(layer, inputs, 1, 'rois');
  const [pooledH, pooledW] = numbersField(layer, 'pooledShape');
  if (!pooledH || !pooledW || x.rank !== 4 || rois.rank !== 2 || rois.shape[1] !== 5) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `X [${x.shape.join(',')}] / rois [${rois.shape.join(',')}] / pooled_shape must be 4-D / [R,5] / [h,w]`,
    );
  }
  const scale = numberField(layer, 'spatialScale', 1);
  const [batch, channels, height, width] = x.shape as [number, number, number, number];
  const numRois = rois.shape[0]!;
  const xs = numbers(x);
  const rs = numbers(rois);
  const out = new Float64Array(numRois * channels * pooledH * pooledW);
  for (let r = 0; r < numRois; r++) {
    const b = rs[r * 5]!;
    if (!(Number.isInteger(b) && b >= 0 && b < batch))
      throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `roi ${r} names batch ${b}, outside [0, ${batch})`);
    const [x1, y1, x2, y2] = [1, 2, 3, 4].map((k) => Math.round(rs[r * 5 + k]! * scale)) as [number, number, number, number];
    const binH = Math.max(y2 - y1 + 1, 1) / pooledH;
    const binW = Math.max(x2 - x1 + 1, 1) / pooledW;
    for (let ph = 0; ph < pooledH; ph++) {
      const hStart = Math.min(Math.max(Math.floor(ph * binH) + y1, 0), height);
      const hEnd = Math.min(Math.max(Math.ceil((ph + 1) * binH) + y1, 0), height);
      for (let pw = 0; pw < pooledW; pw++) {
        const wStart = Math.min(Math.max(Math.floor(pw * binW) + x1, 0), width);
        const wEnd = Math.min(Math.max(Math.ceil((pw + 1) * binW) + x1, 0), width);
        for (let c = 0; c < channels; c++) {
          const base = (b * channels + c) * height * width;
          let m = -Infinity;
          for (let h = hStart; h < hEnd; h++) for (let w = wStart; w < wEnd; w++) m = Math.max(m, xs[base + h * width + w]!);
          out[((r * channels + c) * pooledH + ph) * pooledW + pw] = m === -Infinity ? 0 : m;
        }
      }
    }
  }
  return [fromNumbers(x.dtype, [numRois, channels, pooledH, pooledW], out)];
};
