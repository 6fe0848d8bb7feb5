/**
 * Kernels compute on plain number arrays (float64) or, for 64-bit integers, bigint arrays,
 * then encode back to the output dtype. These helpers do the round trip.
 */
import { type DType, dtypeInfo, encodeValues, Tensor, type TensorData } from '@kiln-inference/core';

/** Elements as float64 numbers (int64 beyond 2^53 loses precision: use bigints() for exact maths). */
export function numbers(t: Tensor): Float64Array {
  return t.toFloat64();
}

/** Elements of a 64-bit integer tensor as bigints. */
export function bigints(t: Tensor): bigint[] {
  const d = t.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Array.from(d);
  return Array.from(t.toFloat64(), (v) => BigInt(Math.trunc(v)));
}

/** Integer-valued tensor (shapes, axes, indices, k) as JS numbers. */
export function ints(t: Tensor | undefined): number[] {
  if (!t) return [];
  return Array.from(t.toFloat64());
}

/** Builds an output tensor from computed numbers, encoding to `dtype` (RNE for narrow floats). */
export function fromNumbers(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Tensor {
  if (dtype === 'float32') return new Tensor(dtype, shape, Float32Array.from(values));
  if (dtype === 'float64') return new Tensor(dtype, shape, Float64Array.from(values));
  return new Tensor(dtype, shape, encodeValues(dtype, values));
}

export function fromBigInts(dtype: DType, shape: readonly number[], values: readonly bigint[]): Tensor {
  return new Tensor(dtype, shape, encodeValues(dtype, values));
}

/** True when exact maths needs bigints (int64/uint64). */
export function needsBigInt(dtype: DType): boolean {
  return dtypeInfo(dtype).is64BitInteger;
}

/** Copies elements by flat index from `src` into a new storage of the same dtype. */
export function gatherElements(t: Tensor, shape: readonly number[], indexOf: (outIndex: number) => number): Tensor {
  const out = new Tensor(t.dtype, shape);
  const src = t.data as TensorData;
  const dst = out.data as TensorData;
  const n = out.size;
  for (let i = 0; i < n; i++) (dst as unknown as unknown[])[i] = (src as unknown as unknown[])[indexOf(i)];
  return out;
}
