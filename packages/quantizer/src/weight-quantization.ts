/**
 * Symmetric int8 weight quantization per output channel: for channel c, scale[c] = max|w_c| / 127
 * and q = round_half_even(w / scale[c]), so |w − q·scale[c]| ≤ scale[c] / 2 for every element.
 * Rounding and the float32 division match the quantize layer's, so quantizing offline gives the
 * codes a quantize layer would.
 */
import { ErrorCode, KilnError, normalizeAxis, Tensor } from '@kiln-inference/core';
import { INT8_LIMIT, symmetricScale } from './symmetric-scale.js';

export interface QuantizedWeights {
  /** int8 codes, the shape of the weights. */
  values: Tensor;
  /** float32 scales: [channels] per channel, [] (a scalar) per tensor. */
  scales: Tensor;
  /** The channel axis (null = per tensor). */
  axis: number | null;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `axis` is the output-channel axis; null quantizes the whole tensor with one scale. `what` names it in errors. */
export function quantizeWeights(weights: Tensor, axis: number | null, what = 'weights'): QuantizedWeights {
  if (weights.dtype !== 'float32') {
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `${what} are ${weights.dtype}; int8 weight quantization takes float32`, {
      hint: 'leave this layer in its own precision, or cast the weights to float32 first',
    });
  }
  const w = weights.data as Float32Array;
  const channelAxis = axis === null ? null : normalizeAxis(axis, weights.rank);
  const channels = channelAxis === null ? 1 : weights.shape[channelAxis]!;
  const inner = channelAxis === null ? w.length : weights.shape.slice(channelAxis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => (channelAxis === null ? 0 : Math.floor(i / inner) % channels);

  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    const a = Math.abs(w[i]!);
    if (!Number.isFinite(a)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${what} hold ${w[i]} at element ${i}; only finite weights can be quantized`);
    }
    const c = channelOf(i);
    if (a > maxAbs[c]!) maxAbs[c] = a;
  }
  const scales = Float32Array.from(maxAbs, (m) => symmetricScale(m));
  const codes = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const q = roundHalfEven(Math.fround(w[i]! / scales[channelOf(i)]!));
    codes[i] = Math.max(-INT8_LIMIT, Math.min(INT8_LIMIT, q));
  }
  return {
    values: new Tensor('int8', weights.shape, codes),
    scales: new Tensor('float32', channelAxis === null ? [] : [channels], scales),
    axis: channelAxis,
  };
}
