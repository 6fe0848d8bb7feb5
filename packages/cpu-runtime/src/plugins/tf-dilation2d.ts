/**
 * kiln::Dilation2D v1 — TF Dilation2D, grayscale morphological dilation in NHWC. inputs
 * [x [B, H, W, C], filter [FH, FW, C]]; y[b, i, j, c] = max over the window of
 * x[b, i·sh + di·rh − top, j·sw + dj·rw − left, c] + filter[di, dj, c], positions outside the
 * image left out. Fields: strides [sh, sw], rates [rh, rw], padding 'SAME' | 'VALID'.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from '../kernels/util/values.js';
import { numbersField, pluginError, pluginInput, stringField } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

/** Output size and leading pad of one spatial dim under TF's SAME/VALID rules. */
function geometry(size: number, window: number, stride: number, same: boolean): { out: number; before: number } {
  if (!same) return { out: Math.max(0, Math.ceil((size - window + 1) / stride)), before: 0 };
  const out = Math.ceil(size / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + window - size, 0) / 2) };
}

export const dilation2dPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x = pluginInput(layer, inputs, 0, 'x');
  const filter = pluginInput(layer, inputs, 1, 'filter');
  if (x.rank !== 4 || filter.rank !== 3 || filter.shape[2] !== x.shape[3]) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `x [${x.shape.join(',')}] must be NHWC and filter [${filter.shape.join(',')}] [FH, FW, C] with the same C`,
    );
  }
  const [sh, sw] = numbersField(layer, 'strides', [1, 1]) as [number, number];
  const [rh, rw] = numbersField(layer, 'rates', [1, 1]) as [number, number];
  if ([sh, sw, rh, rw].some((v) => !Number.isInteger(v) || v < 1)) {
    throw pluginError(layer, ErrorCode.INVALID_ATTRIBUTE, `strides [${sh},${sw}] and rates [${rh},${rw}] must be positive integers`);
  }
  const same = stringField(layer, 'padding', 'VALID') === 'SAME';
  const [batch, h, w, c] = x.shape as [number, number, number, number];
  const [fh, fw] = filter.shape as [number, number];
  const gh = geometry(h, (fh - 1) * rh + 1, sh, same);
  const gw = geometry(w, (fw - 1) * rw + 1, sw, same);
  checkPluginOutput(layer, x.dtype, [batch, gh.out, gw.out, c], 'dilation output');
  const xv = numbers(x);
  const fv = numbers(filter);
  const y = new Float64Array(batch * gh.out * gw.out * c);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < gh.out; i++) {
      for (let j = 0; j < gw.out; j++) {
        for (let ch = 0; ch < c; ch++) {
          let best = Number.NEGATIVE_INFINITY;
          for (let di = 0; di < fh; di++) {
            const yi = i * sh + di * rh - gh.before;
            if (yi < 0 || yi >= h) continue;
            for (let dj = 0; dj < fw; dj++) {
              const xj = j * sw + dj * rw - gw.before;
              if (xj < 0 || xj >= w) continue;
              const v = xv[((b * h + yi) * w + xj) * c + ch]! + fv[(di * fw + dj) * c + ch]!;
              if (v > best) best = v;
            }
          }
          y[o++] = best;
        }
      }
    }
  }
  return [fromNumbers(x.dtype, [batch, gh.out, gw.out, c], y)];
};
