/**
 * kiln::AffineGrid v1 — ONNX AffineGrid. inputs [theta [N,2,3] | [N,3,4], size (int64 [N,C,H,W] or
 * [N,C,D,H,W])]; field alignCorners. Output [N,H,W,2] or [N,D,H,W,3]: theta applied to the
 * normalized base grid (x fastest), whose points span [-1, 1] at pixel corners when
 * alignCorners, else at pixel centres.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints, numbers } from '../kernels/util/values.js';
import { boolField, pluginError, pluginInput } from './plugin-fields.js';

function baseCoordinates(size: number, alignCorners: boolean): Float64Array {
  const c = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    if (alignCorners) c[i] = size === 1 ? 0 : -1 + (2 * i) / (size - 1);
    else c[i] = (2 * i + 1) / size - 1;
  }
  return c;
}

export const affineGridPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const theta = pluginInput(layer, inputs, 0, 'theta');
  const size = ints(pluginInput(layer, inputs, 1, 'size'));
  const spatial = size.length - 2;
  if (
    (spatial !== 2 && spatial !== 3) ||
    theta.rank !== 3 ||
    theta.shape[1] !== spatial ||
    theta.shape[2] !== spatial + 1 ||
    theta.shape[0] !== size[0]
  ) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `theta [${theta.shape.join(',')}] does not match size [${size.join(',')}]`,
      'use theta [N,2,3] with size [N,C,H,W] or theta [N,3,4] with [N,C,D,H,W]',
    );
  }
  const alignCorners = boolField(layer, 'alignCorners', false);
  const dims = size.slice(2); // [H, W] or [D, H, W]
  const coords = dims.map((d) => baseCoordinates(d, alignCorners)).reverse(); // x, y[, z]
  const points = dims.reduce((a, b) => a * b, 1);
  const batch = size[0]!;
  const t = numbers(theta);
  const out = new Float64Array(batch * points * spatial);
  const base = new Array<number>(spatial + 1).fill(1);
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < points; p++) {
      // Point p in row-major [D,]H,W order: x varies fastest.
      let rem = p;
      for (let a = 0; a < spatial; a++) {
        const d = dims[dims.length - 1 - a]!;
        base[a] = coords[a]![rem % d]!;
        rem = Math.floor(rem / d);
      }
      for (let r = 0; r < spatial; r++) {
        let v = 0;
        for (let k = 0; k <= spatial; k++) v += t[(n * spatial + r) * (spatial + 1) + k]! * base[k]!;
        out[(n * points + p) * spatial + r] = v;
      }
    }
  }
  return [fromNumbers(theta.dtype, [batch, ...dims, spatial], out)];
};
