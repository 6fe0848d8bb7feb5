/** ONNX Trilu: keeps the upper (j − i ≥ k) or lower (j − i ≤ k) triangle of the last two dims. */
import { ErrorCode, KilnError, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { ints } from './util/values.js';

export const triluKernel: Kernel<'trilu'> = (layer, inputs) => {
  const [x, kTensor] = inputs;
  if (!x) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'trilu needs an input');
  if (x.rank < 2) throw new KilnError(ErrorCode.INVALID_SHAPE, `trilu needs rank ≥ 2, got rank ${x.rank}`);
  if (kTensor && kTensor.size !== 1) throw new KilnError(ErrorCode.INVALID_SHAPE, 'trilu k must be a scalar');
  const k = kTensor ? ints(kTensor)[0]! : 0;
  const rows = x.shape[x.rank - 2]!;
  const cols = x.shape[x.rank - 1]!;
  const out = new Tensor(x.dtype, x.shape);
  const src = x.data as unknown as unknown[];
  const dst = out.data as unknown as unknown[];
  const zero = dst[0];
  for (let i = 0; i < x.size; i++) {
    const col = i % cols;
    const row = Math.floor(i / cols) % rows;
    const keep = layer.params.upper ? col - row >= k : col - row <= k;
    dst[i] = keep ? src[i] : zero;
  }
  return [out];
};
