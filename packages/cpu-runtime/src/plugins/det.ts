/**
 * kiln::Det v1 — ONNX Det. inputs [x [*, M, M]]; output [*]: the determinant of each square
 * matrix in the batch, by LU decomposition with partial pivoting in float64.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from '../kernels/util/values.js';
import { pluginError, pluginInput } from './plugin-fields.js';

/** Determinant of the m×m matrix stored row-major in `a` (overwritten). */
export function luDeterminant(a: Float64Array, m: number): number {
  let det = 1;
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r * m + col]!) > Math.abs(a[pivot * m + col]!)) pivot = r;
    const p = a[pivot * m + col]!;
    if (p === 0) return 0;
    if (pivot !== col) {
      for (let c = 0; c < m; c++) {
        const t = a[col * m + c]!;
        a[col * m + c] = a[pivot * m + c]!;
        a[pivot * m + c] = t;
      }
      det = -det;
    }
    det *= p;
    for (let r = col + 1; r < m; r++) {
      const f = a[r * m + col]! / p;
      if (f === 0) continue;
      for (let c = col + 1; c < m; c++) a[r * m + c] = a[r * m + c]! - f * a[col * m + c]!;
    }
  }
  return det;
}

export const detPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x = pluginInput(layer, inputs, 0, 'X');
  const m = x.shape[x.rank - 1];
  if (x.rank < 2 || m !== x.shape[x.rank - 2]) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `Det needs square matrices in the last two dims, got [${x.shape.join(',')}]`,
      'pass X of shape [*, M, M]',
    );
  }
  const batchShape = x.shape.slice(0, -2);
  const size = m * m;
  const values = numbers(x);
  const batch = size === 0 ? batchShape.reduce((a, b) => a * b, 1) : values.length / size;
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) out[b] = luDeterminant(values.slice(b * size, (b + 1) * size), m);
  return [fromNumbers(x.dtype, batchShape, out)];
};
