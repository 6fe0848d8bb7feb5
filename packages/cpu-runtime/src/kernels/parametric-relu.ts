/** ONNX PRelu: y = x where x ≥ 0, slope · x elsewhere; slope broadcasts to x. */
import { dtypeInfo, ErrorCode, KilnError } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { broadcastIndexMaps } from './util/broadcast.js';
import { fromNumbers, numbers } from './util/values.js';

export const parametricReluKernel: Kernel<'parametric_relu'> = (_layer, inputs) => {
  const [x, slope] = inputs;
  if (!x || !slope) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'parametric_relu needs inputs [x, slope]');
  const info = dtypeInfo(x.dtype);
  if (!info.isFloat && !info.isInteger) {
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `parametric_relu does not accept ${x.dtype} tensors`);
  }
  const { shape, maps, size } = broadcastIndexMaps([x.shape, slope.shape]);
  const [mx, ms] = maps as [Int32Array, Int32Array];
  const vx = numbers(x);
  const vs = numbers(slope);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const v = vx[mx[i]!]!;
    out[i] = v < 0 ? v * vs[ms[i]!]! : v;
  }
  return [fromNumbers(x.dtype, shape, out)];
};
