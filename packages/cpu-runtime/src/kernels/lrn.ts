/**
 * Local response normalization across channels (ONNX LRN): for channel c the window spans
 * c - floor((size-1)/2) … c + ceil((size-1)/2), and
 * y = x / (bias + alpha/size * Σ x²)^beta.
 */
import { ErrorCode, formatShape, KilnError } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from './util/values.js';

export const lrnKernel: Kernel<'lrn'> = (layer, inputs) => {
  const x = inputs[0];
  if (!x) throw new KilnError(ErrorCode.RUNTIME_ERROR, 'lrn needs an input');
  if (x.rank < 2) throw new KilnError(ErrorCode.INVALID_SHAPE, `LRN input ${formatShape(x.shape)} needs a channel axis (rank ≥ 2)`);
  const { size, alpha, beta, bias } = layer.params;
  if (!(size >= 1)) throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `LRN size ${size} must be ≥ 1`);
  const [batch, channels] = [x.shape[0]!, x.shape[1]!];
  const plane = x.size / Math.max(1, batch * channels);
  const before = Math.floor((size - 1) / 2);
  const after = Math.ceil((size - 1) / 2);
  const xs = numbers(x);
  const y = new Float64Array(xs.length);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const lo = Math.max(0, c - before);
      const hi = Math.min(channels - 1, c + after);
      const base = (n * channels + c) * plane;
      for (let i = 0; i < plane; i++) {
        let sq = 0;
        for (let k = lo; k <= hi; k++) {
          const v = xs[(n * channels + k) * plane + i]!;
          sq += v * v;
        }
        y[base + i] = xs[base + i]! / (bias + (alpha / size) * sq) ** beta;
      }
    }
  }
  return [fromNumbers(x.dtype, x.shape, y)];
};
