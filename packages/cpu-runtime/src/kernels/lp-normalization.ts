/**
 * y = x / ||x||_p along one axis (ONNX LpNormalization, p ∈ {1, 2}). A zero vector stays zero
 * instead of becoming NaN.
 */
import { ErrorCode, KilnError, normalizeAxis, stridesOf } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from './util/values.js';

export const lpNormalizationKernel: Kernel<'lp_normalization'> = (layer, inputs) => {
  const x = inputs[0];
  if (!x) throw new KilnError(ErrorCode.RUNTIME_ERROR, 'lp_normalization needs an input');
  const { p } = layer.params;
  if (p !== 1 && p !== 2) throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `p must be 1 or 2, got ${String(p)}`);
  const axis = normalizeAxis(layer.params.axis, x.rank, { layer: { name: layer.name, kind: layer.kind } });
  const len = x.shape[axis] ?? 1;
  const stride = x.rank === 0 ? 1 : stridesOf(x.shape)[axis]!;
  const outer = x.size / Math.max(1, len * stride);
  const xs = numbers(x);
  const y = new Float64Array(xs.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < stride; i++) {
      const base = o * len * stride + i;
      let norm = 0;
      for (let k = 0; k < len; k++) {
        const v = xs[base + k * stride]!;
        norm += p === 1 ? Math.abs(v) : v * v;
      }
      if (p === 2) norm = Math.sqrt(norm);
      for (let k = 0; k < len; k++) y[base + k * stride] = norm === 0 ? 0 : xs[base + k * stride]! / norm;
    }
  }
  return [fromNumbers(x.dtype, x.shape, y)];
};
