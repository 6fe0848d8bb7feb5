/**
 * Build-time values of small integer tensors: the shape arithmetic that exporters spell out
 * (Shape → Gather → Mul → Concat → Reshape) has to be followed for a static plan to know its
 * reshape targets. Only tensors of at most MAX_KNOWN_ELEMENTS integers are carried, so this is
 * bookkeeping on a handful of numbers, never a kernel run over real data.
 */
import { type DType, dtypeInfo } from '../dtype.js';
import type { ValueFacts } from '../layer-def.js';
import { Tensor } from '../tensor.js';

/** Integer tensors larger than this are not carried as known values. */
export const MAX_KNOWN_ELEMENTS = 64;

/** True for dtypes whose values shape arithmetic carries (integers and bool). */
export function isShapeArithmeticDType(dtype: DType): boolean {
  return dtype === 'bool' || dtypeInfo(dtype).isInteger;
}

/** The known value of `f` as bigints when it is a small integer (or bool) tensor, else null. */
export function smallIntegerValue(f: ValueFacts | undefined): { shape: readonly number[]; values: bigint[] } | null {
  const t = f?.value;
  if (!t || t.size > MAX_KNOWN_ELEMENTS || !isShapeArithmeticDType(t.dtype)) return null;
  const data = t.data as ArrayLike<number | bigint>;
  const values: bigint[] = [];
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    values.push(typeof v === 'bigint' ? v : BigInt(v));
  }
  return { shape: t.shape, values };
}

/** A tensor of `dtype` from bigints, wrapped to the dtype's width the way integer kernels wrap. */
export function integerTensor(dtype: DType, shape: readonly number[], values: readonly bigint[]): Tensor {
  const info = dtypeInfo(dtype);
  if (dtype === 'bool')
    return new Tensor(
      'bool',
      shape,
      Uint8Array.from(values, (v) => (v !== 0n ? 1 : 0)),
    );
  const wrapped = values.map((v) => (info.isSigned ? BigInt.asIntN(info.bits, v) : BigInt.asUintN(info.bits, v)));
  if (info.is64BitInteger) return new Tensor(dtype, shape, dtype === 'int64' ? BigInt64Array.from(wrapped) : BigUint64Array.from(wrapped));
  return Tensor.fromValues(dtype, shape, wrapped.map(Number));
}

/** Facts with a known value attached when it is small enough to carry. */
export function withValue(f: ValueFacts, value: Tensor | undefined): ValueFacts {
  return value && value.size <= MAX_KNOWN_ELEMENTS ? { ...f, value } : f;
}

/** max and min of bigints (Math.max and Math.min take numbers only). */
export const bigMax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const bigMin = (a: bigint, b: bigint): bigint => (a < b ? a : b);
