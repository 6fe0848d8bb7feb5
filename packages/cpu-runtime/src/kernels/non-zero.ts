/** non_zero: int64 [rank, count] coordinates of the non-zero elements, in row-major order. */
import { Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { requireInput } from './util/data-movement.js';

function nonZeroMask(t: Tensor): boolean[] {
  const d = t.data;
  if (Array.isArray(d)) return d.map((s) => s !== '');
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Array.from(d, (v) => v !== 0n);
  // Decoding handles -0 and NaN in float16/bfloat16/float8 bit patterns.
  return Array.from(t.toFloat64(), (v) => v !== 0);
}

export const nonZeroKernel: Kernel<'non_zero'> = (layer, inputs) => {
  const x = requireInput(layer, inputs, 0, 'x');
  const mask = nonZeroMask(x);
  const hits: number[] = [];
  mask.forEach((m, i) => {
    if (m) hits.push(i);
  });
  const rank = Math.max(x.rank, 1);
  const out = new BigInt64Array(rank * hits.length);
  const shape = x.rank === 0 ? [1] : x.shape;
  hits.forEach((flat, j) => {
    let rem = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      out[d * hits.length + j] = BigInt(rem % shape[d]!);
      rem = Math.floor(rem / shape[d]!);
    }
  });
  return [new Tensor('int64', [rank, hits.length], out)];
};
