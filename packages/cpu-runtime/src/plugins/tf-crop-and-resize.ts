/**
 * kiln::CropAndResize v1 — TF CropAndResize. inputs [image [B, H, W, C], boxes [N, 4]
 * (y1, x1, y2, x2, normalised), boxInd [N], cropSize [2]]; output [N, CH, CW, C] float32:
 * each box sampled on a CH×CW grid spanning it (its centre when a size is 1), bilinearly or
 * at the nearest pixel; samples outside the image take extrapolationValue. Fields: method
 * 'bilinear' | 'nearest', extrapolationValue.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints, numbers } from '../kernels/util/values.js';
import { numberField, pluginError, pluginInput, stringField } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

/** Source coordinate of output index i on one axis; sizes of 1 sample the box centre. */
function source(lo: number, hi: number, i: number, crop: number, size: number): number {
  return crop > 1 ? lo * (size - 1) + (i * (hi - lo) * (size - 1)) / (crop - 1) : 0.5 * (lo + hi) * (size - 1);
}

export const cropAndResizePlugin: Kernel<'plugin'> = (layer, inputs) => {
  const image = pluginInput(layer, inputs, 0, 'image');
  const boxes = pluginInput(layer, inputs, 1, 'boxes');
  const boxInd = ints(pluginInput(layer, inputs, 2, 'box_ind'));
  const cropSize = ints(pluginInput(layer, inputs, 3, 'crop_size'));
  const nearest = stringField(layer, 'method', 'bilinear') === 'nearest';
  const fill = numberField(layer, 'extrapolationValue', 0);
  if (image.rank !== 4 || boxes.rank !== 2 || boxes.shape[1] !== 4 || boxInd.length !== boxes.shape[0]) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `image [${image.shape.join(',')}], boxes [${boxes.shape.join(',')}] and box_ind (${boxInd.length}) do not fit`,
      'pass image [B, H, W, C], boxes [N, 4] and box_ind [N]',
    );
  }
  const [ch, cw] = cropSize as [number, number];
  if (cropSize.length !== 2 || !(ch > 0 && cw > 0)) {
    throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `crop_size must hold two positive sizes, got [${cropSize.join(',')}]`);
  }
  const [batch, h, w, c] = image.shape as [number, number, number, number];
  const n = boxes.shape[0]!;
  checkPluginOutput(layer, 'float32', [n, ch, cw, c], 'crops');
  const img = numbers(image);
  const bx = numbers(boxes);
  const y = new Float64Array(n * ch * cw * c).fill(fill);
  const at = (b: number, yi: number, xi: number, k: number): number => img[((b * h + yi) * w + xi) * c + k]!;
  for (let i = 0; i < n; i++) {
    const b = boxInd[i]!;
    if (!Number.isInteger(b) || b < 0 || b >= batch) {
      throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `box_ind[${i}] = ${b} is outside the batch [0, ${batch})`);
    }
    const [y1, x1, y2, x2] = [bx[i * 4]!, bx[i * 4 + 1]!, bx[i * 4 + 2]!, bx[i * 4 + 3]!];
    for (let r = 0; r < ch; r++) {
      const sy = source(y1, y2, r, ch, h);
      // NaN coordinates (from NaN boxes) extrapolate too.
      if (!(sy >= 0 && sy <= h - 1)) continue;
      for (let q = 0; q < cw; q++) {
        const sx = source(x1, x2, q, cw, w);
        if (!(sx >= 0 && sx <= w - 1)) continue;
        const o = ((i * ch + r) * cw + q) * c;
        if (nearest) {
          const [ny, nx] = [Math.round(sy), Math.round(sx)];
          for (let k = 0; k < c; k++) y[o + k] = at(b, ny, nx, k);
          continue;
        }
        const [top, left] = [Math.floor(sy), Math.floor(sx)];
        const [bottom, right] = [Math.ceil(sy), Math.ceil(sx)];
        const [dy, dx] = [sy - top, sx - left];
        for (let k = 0; k < c; k++) {
          const upper = at(b, top, left, k) + (at(b, top, right, k) - at(b, top, left, k)) * dx;
          const lower = at(b, bottom, left, k) + (at(b, bottom, right, k) - at(b, bottom, left, k)) * dx;
          y[o + k] = upper + (lower - upper) * dy;
        }
      }
    }
  }
  return [fromNumbers('float32', [n, ch, cw, c], y)];
};
