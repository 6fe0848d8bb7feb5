/**
 * kiln::RoiAlign v1 — ONNX RoiAlign. inputs [X [N,C,H,W], rois [R,4] (x1,y1,x2,y2), batchIndices [R]];
 * fields mode ('avg' | 'max'), outputHeight, outputWidth, samplingRatio (0 = adaptive),
 * spatialScale, halfPixel (coordinate_transformation_mode 'half_pixel'). Each output bin
 * averages (or maxes) bilinear samples on a regular grid inside the bin. Max mode follows the
 * ONNX reference: each sample contributes the largest of its four weighted corner terms.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints, numbers } from '../kernels/util/values.js';
import { boolField, numberField, pluginError, pluginInput, stringField } from './plugin-fields.js';

interface Corners {
  offsets: [number, number, number, number];
  weights: [number, number, number, number];
}

/** Bilinear corners of (y, x) in an H×W plane; undefined when the point lies outside. */
function corners(y: number, x: number, height: number, width: number): Corners | undefined {
  if (y < -1 || y > height || x < -1 || x > width) return undefined;
  y = Math.max(y, 0);
  x = Math.max(x, 0);
  let yLow = Math.floor(y);
  let xLow = Math.floor(x);
  let yHigh: number;
  let xHigh: number;
  if (yLow >= height - 1) {
    yHigh = yLow = height - 1;
    y = yLow;
  } else yHigh = yLow + 1;
  if (xLow >= width - 1) {
    xHigh = xLow = width - 1;
    x = xLow;
  } else xHigh = xLow + 1;
  const ly = y - yLow;
  const lx = x - xLow;
  const hy = 1 - ly;
  const hx = 1 - lx;
  return {
    offsets: [yLow * width + xLow, yLow * width + xHigh, yHigh * width + xLow, yHigh * width + xHigh],
    weights: [hy * hx, hy * lx, ly * hx, ly * lx],
  };
}

export const roiAlignPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x = pluginInput(layer, inputs, 0, 'X');
  const rois = pluginInput(layer, inputs, 1, 'rois');
  const batchIndices = ints(pluginInput(layer, inputs, 2, 'batch_indices'));
  if (x.rank !== 4 || rois.rank !== 2 || rois.shape[1] !== 4 || batchIndices.length !== rois.shape[0]) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `X [${x.shape.join(',')}], rois [${rois.shape.join(',')}] and ${batchIndices.length} batch indices disagree`,
    );
  }
  const mode = stringField(layer, 'mode', 'avg');
  if (mode !== 'avg' && mode !== 'max') throw pluginError(layer, ErrorCode.INVALID_ATTRIBUTE, `mode '${mode}' must be avg or max`);
  const outH = numberField(layer, 'outputHeight', 1);
  const outW = numberField(layer, 'outputWidth', 1);
  const ratio = numberField(layer, 'samplingRatio', 0);
  const scale = numberField(layer, 'spatialScale', 1);
  const halfPixel = boolField(layer, 'halfPixel', true);
  const [batch, channels, height, width] = x.shape as [number, number, number, number];
  const numRois = rois.shape[0]!;
  const xs = numbers(x);
  const rs = numbers(rois);
  const out = new Float64Array(numRois * channels * outH * outW);
  const offset = halfPixel ? 0.5 : 0;
  for (let r = 0; r < numRois; r++) {
    const b = batchIndices[r]!;
    if (!(b >= 0 && b < batch))
      throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `batch index ${b} of roi ${r} is outside [0, ${batch})`);
    const [x1, y1, x2, y2] = [0, 1, 2, 3].map((k) => rs[r * 4 + k]! * scale - offset) as [number, number, number, number];
    let roiW = x2 - x1;
    let roiH = y2 - y1;
    if (!halfPixel) {
      roiW = Math.max(roiW, 1);
      roiH = Math.max(roiH, 1);
    }
    const binH = roiH / outH;
    const binW = roiW / outW;
    const gridH = ratio > 0 ? ratio : Math.ceil(roiH / outH);
    const gridW = ratio > 0 ? ratio : Math.ceil(roiW / outW);
    const count = Math.max(gridH * gridW, 1);
    for (let ph = 0; ph < outH; ph++) {
      for (let pw = 0; pw < outW; pw++) {
        const samples: Corners[] = [];
        for (let iy = 0; iy < gridH; iy++) {
          const y = y1 + ph * binH + ((iy + 0.5) * binH) / gridH;
          for (let ix = 0; ix < gridW; ix++) {
            const xx = x1 + pw * binW + ((ix + 0.5) * binW) / gridW;
            samples.push(corners(y, xx, height, width) ?? { offsets: [0, 0, 0, 0], weights: [0, 0, 0, 0] });
          }
        }
        for (let c = 0; c < channels; c++) {
          const base = (b * channels + c) * height * width;
          let acc = mode === 'avg' ? 0 : -Infinity;
          for (const s of samples) {
            if (mode === 'avg') {
              for (let k = 0; k < 4; k++) acc += s.weights[k]! * xs[base + s.offsets[k]!]!;
            } else {
              let m = -Infinity;
              for (let k = 0; k < 4; k++) m = Math.max(m, s.weights[k]! * xs[base + s.offsets[k]!]!);
              acc = Math.max(acc, m);
            }
          }
          out[((r * channels + c) * outH + ph) * outW + pw] = mode === 'avg' ? acc / count : samples.length ? acc : 0;
        }
      }
    }
  }
  return [fromNumbers(x.dtype, [numRois, channels, outH, outW], out)];
};
