/**
 * TensorFlow's DataType enum (types.proto) and its mapping to kiln dtypes. `_REF` variants
 * (value + 100) name the same element type. Types kiln has no storage for (complex,
 * resource, variant, quantized-integer wrappers) keep their TF name so errors can say which.
 */
import type { DType } from '@kiln-inference/core';

const TF_DTYPES: Record<number, { name: string; dtype?: DType }> = {
  1: { name: 'DT_FLOAT', dtype: 'float32' },
  2: { name: 'DT_DOUBLE', dtype: 'float64' },
  3: { name: 'DT_INT32', dtype: 'int32' },
  4: { name: 'DT_UINT8', dtype: 'uint8' },
  5: { name: 'DT_INT16', dtype: 'int16' },
  6: { name: 'DT_INT8', dtype: 'int8' },
  7: { name: 'DT_STRING', dtype: 'string' },
  8: { name: 'DT_COMPLEX64' },
  9: { name: 'DT_INT64', dtype: 'int64' },
  10: { name: 'DT_BOOL', dtype: 'bool' },
  // Quantized wrappers hold plain integers; kiln reads them as the integer type.
  11: { name: 'DT_QINT8', dtype: 'int8' },
  12: { name: 'DT_QUINT8', dtype: 'uint8' },
  13: { name: 'DT_QINT32', dtype: 'int32' },
  14: { name: 'DT_BFLOAT16', dtype: 'bfloat16' },
  15: { name: 'DT_QINT16', dtype: 'int16' },
  16: { name: 'DT_QUINT16', dtype: 'uint16' },
  17: { name: 'DT_UINT16', dtype: 'uint16' },
  18: { name: 'DT_COMPLEX128' },
  19: { name: 'DT_HALF', dtype: 'float16' },
  20: { name: 'DT_RESOURCE' },
  21: { name: 'DT_VARIANT' },
  22: { name: 'DT_UINT32', dtype: 'uint32' },
  23: { name: 'DT_UINT64', dtype: 'uint64' },
  24: { name: 'DT_FLOAT8_E5M2', dtype: 'float8e5m2' },
  25: { name: 'DT_FLOAT8_E4M3FN', dtype: 'float8e4m3fn' },
  29: { name: 'DT_INT4', dtype: 'int4' },
  30: { name: 'DT_UINT4', dtype: 'uint4' },
};

const BY_NAME = new Map<string, number>(Object.entries(TF_DTYPES).map(([k, v]) => [v.name, Number(k)]));

/** The TF enum name of a DataType value ('DT_FLOAT', 'DT_FLOAT_REF', or 'DT_<n>' when unknown). */
export function tfDTypeName(code: number): string {
  const base = code > 100 ? code - 100 : code;
  const name = TF_DTYPES[base]?.name ?? `DT_${code}`;
  return code > 100 ? `${name}_REF` : name;
}

/** The kiln dtype of a TF DataType value, or undefined when kiln cannot hold it. */
export function kilnDTypeOf(code: number): DType | undefined {
  return TF_DTYPES[code > 100 ? code - 100 : code]?.dtype;
}

/** Parses a DataType written by name (TF.js JSON: "DT_FLOAT") or as a number. */
export function tfDTypeCode(value: string | number): number | undefined {
  if (typeof value === 'number') return value;
  if (/^\d+$/.test(value)) return Number(value);
  const ref = value.endsWith('_REF');
  const base = BY_NAME.get(ref ? value.slice(0, -4) : value);
  return base === undefined ? undefined : ref ? base + 100 : base;
}
