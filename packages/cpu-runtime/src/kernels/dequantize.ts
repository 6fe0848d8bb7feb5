/** ONNX DequantizeLinear: x = (q − zeroPoint) · scale, per tensor, per axis or per block. */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { quantizationParamIndex } from './quantize.js';
import { fromNumbers, numbers } from './util/values.js';

export const dequantizeKernel: Kernel<'dequantize'> = (layer, inputs) => {
  const [q, scale, zeroPoint] = inputs;
  if (!q || !scale) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'dequantize needs inputs [q, scale, zeroPoint?]');
  const params = layer.params;
  const paramIndex = quantizationParamIndex(q.shape, scale, params);
  const vq = numbers(q);
  const vs = numbers(scale);
  const vz = zeroPoint ? numbers(zeroPoint) : undefined;
  const outType = params.floatType ?? scale.dtype;
  // The product is formed in float32 unless the output is float64, as the reference does.
  const narrow = outType !== 'float64';
  const out = vq.map((v, i) => {
    const k = paramIndex(i);
    const d = (v - (vz ? vz[k]! : 0)) * vs[k]!;
    return narrow ? Math.fround(d) : d;
  });
  return [fromNumbers(outType, q.shape, out)];
};
