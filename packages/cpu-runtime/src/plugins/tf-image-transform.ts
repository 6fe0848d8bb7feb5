/**
 * kiln::ImageProjectiveTransform v1 — TF ImageProjectiveTransformV3. inputs [images
 * [B, H, W, C], transforms [B or 1, 8], outputShape [2], fillValue?]; output [B, OH, OW, C].
 * Output pixel (x, y) reads the input at ((a0·x + a1·y + a2) / k, (b0·x + b1·y + b2) / k),
 * k = c0·x + c1·y + 1, after TF's fill-mode mapping of out-of-range coordinates. Fields:
 * interpolation 'NEAREST' | 'BILINEAR', fillMode 'CONSTANT' | 'REFLECT' | 'WRAP' | 'NEAREST'.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints, numbers } from '../kernels/util/values.js';
import { pluginError, pluginInput, stringField } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

const clamp = (v: number, len: number): number => Math.min(Math.max(v, 0), len - 1);

/** TF's mapping of a coordinate into [0, len − 1] for each fill mode (CONSTANT leaves it). */
function mapCoordinate(v: number, len: number, mode: string): number {
  if (mode === 'CONSTANT') return v;
  if (mode === 'NEAREST') return clamp(v, len);
  if (len <= 1) return v < 0 || v > len - 1 ? 0 : clamp(v, len);
  if (mode === 'REFLECT') {
    const period = 2 * len;
    if (v < 0) {
      if (v < -period) v += period * Math.trunc(-v / period);
      v = v < -len ? v + period : -v - 1;
    } else if (v > len - 1) {
      v -= period * Math.trunc(v / period);
      if (v >= len) v = period - v - 1;
    }
    return clamp(v, len);
  }
  // WRAP
  if (v < 0) v += len * (Math.trunc(-v / (len - 1)) + 1);
  else if (v > len - 1) v -= len * Math.trunc(v / (len - 1));
  return clamp(v, len);
}

/** std::round: halves away from zero. */
const roundHalfAway = (v: number): number => Math.sign(v) * Math.round(Math.abs(v));

export const imageProjectiveTransformPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const images = pluginInput(layer, inputs, 0, 'images');
  const transforms = pluginInput(layer, inputs, 1, 'transforms');
  const outShape = ints(pluginInput(layer, inputs, 2, 'output_shape'));
  const fillValue = inputs[3] ? inputs[3].getNumber(0) : 0;
  const bilinear = stringField(layer, 'interpolation', 'NEAREST') === 'BILINEAR';
  const mode = stringField(layer, 'fillMode', 'CONSTANT');
  if (!['CONSTANT', 'REFLECT', 'WRAP', 'NEAREST'].includes(mode)) {
    throw pluginError(layer, ErrorCode.INVALID_ATTRIBUTE, `fill_mode '${mode}' is not CONSTANT, REFLECT, WRAP or NEAREST`);
  }
  if (images.rank !== 4 || transforms.rank !== 2 || transforms.shape[1] !== 8 || outShape.length !== 2) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `images [${images.shape.join(',')}], transforms [${transforms.shape.join(',')}] or output_shape [${outShape.join(',')}] do not fit`,
      'pass images [B, H, W, C], transforms [B or 1, 8] and output_shape [2]',
    );
  }
  const [batch, h, w, c] = images.shape as [number, number, number, number];
  const [oh, ow] = outShape as [number, number];
  if (transforms.shape[0] !== 1 && transforms.shape[0] !== batch) {
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `transforms has ${transforms.shape[0]} rows for a batch of ${batch}`);
  }
  checkPluginOutput(layer, images.dtype, [batch, oh, ow, c], 'transformed images');
  const img = numbers(images);
  const tv = numbers(transforms);
  const y = new Float64Array(batch * oh * ow * c);
  const read = (b: number, yi: number, xi: number, k: number): number =>
    yi >= 0 && yi < h && xi >= 0 && xi < w ? img[((b * h + yi) * w + xi) * c + k]! : fillValue;
  for (let b = 0; b < batch; b++) {
    const t = transforms.shape[0] === 1 ? 0 : b * 8;
    const [a0, a1, a2, b0, b1, b2, c0, c1] = Array.from(tv.subarray(t, t + 8));
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const o = ((b * oh + oy) * ow + ox) * c;
        const k = c0! * ox + c1! * oy + 1;
        if (k === 0) {
          y.fill(fillValue, o, o + c);
          continue;
        }
        const sx = mapCoordinate((a0! * ox + a1! * oy + a2!) / k, w, mode);
        const sy = mapCoordinate((b0! * ox + b1! * oy + b2!) / k, h, mode);
        for (let ch = 0; ch < c; ch++) {
          if (!bilinear) {
            y[o + ch] = read(b, roundHalfAway(sy), roundHalfAway(sx), ch);
            continue;
          }
          const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
          const top = (x0 + 1 - sx) * read(b, y0, x0, ch) + (sx - x0) * read(b, y0, x0 + 1, ch);
          const bottom = (x0 + 1 - sx) * read(b, y0 + 1, x0, ch) + (sx - x0) * read(b, y0 + 1, x0 + 1, ch);
          y[o + ch] = (y0 + 1 - sy) * top + (sy - y0) * bottom;
        }
      }
    }
  }
  return [fromNumbers(images.dtype, [batch, oh, ow, c], y)];
};
