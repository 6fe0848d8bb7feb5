/**
 * Element types. Every dtype has one storage representation (a typed array or string[])
 * chosen so values round-trip exactly:
 *   - float16 / bfloat16 store their bit patterns in Uint16Array;
 *   - float8 / float4 store their bit patterns in Uint8Array, one element per byte;
 *   - int4 / uint4 / int2 / uint2 are unpacked, one element per byte (packing is a file concern);
 *   - int64 / uint64 use BigInt64Array / BigUint64Array;
 *   - bool uses Uint8Array of 0/1.
 */
import { ErrorCode, KilnError } from './errors.js';
import { checkTensorSize } from './resource-limits.js';

export const DTYPES = [
  'float32',
  'float16',
  'bfloat16',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
  'string',
  'float8e4m3fn',
  'float8e4m3fnuz',
  'float8e5m2',
  'float8e5m2fnuz',
  'float4e2m1',
  'int4',
  'uint4',
  'int2',
  'uint2',
] as const;

export type DType = (typeof DTYPES)[number];

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export type TensorData = TypedArray | string[];

type StorageCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

export interface DTypeInfo {
  readonly name: DType;
  /** Bits of one element as the format defines it (4 for int4, 16 for float16). */
  readonly bits: number;
  /** Constructor of the storage array; undefined for string. */
  readonly storage: StorageCtor | undefined;
  readonly isFloat: boolean;
  readonly isInteger: boolean;
  readonly isSigned: boolean;
  /** Stored as bit patterns that need a codec to become numbers. */
  readonly isEncodedFloat: boolean;
  readonly is64BitInteger: boolean;
  /** Inclusive range for integer types (bigint-safe bounds for 64-bit are in integerRangeBig). */
  readonly min: number;
  readonly max: number;
}

function info(
  name: DType,
  bits: number,
  storage: StorageCtor | undefined,
  kind: 'float' | 'encoded-float' | 'int' | 'uint' | 'bool' | 'string',
): DTypeInfo {
  const isInteger = kind === 'int' || kind === 'uint';
  const isSigned = kind === 'int' || kind === 'float' || kind === 'encoded-float';
  let min = Number.NEGATIVE_INFINITY;
  let max = Number.POSITIVE_INFINITY;
  if (kind === 'int') {
    min = -(2 ** (bits - 1));
    max = 2 ** (bits - 1) - 1;
  } else if (kind === 'uint') {
    min = 0;
    max = 2 ** bits - 1;
  } else if (kind === 'bool') {
    min = 0;
    max = 1;
  }
  return {
    name,
    bits,
    storage,
    isFloat: kind === 'float' || kind === 'encoded-float',
    isInteger,
    isSigned,
    isEncodedFloat: kind === 'encoded-float',
    is64BitInteger: isInteger && bits === 64,
    min,
    max,
  };
}

const TABLE: Record<DType, DTypeInfo> = {
  float32: info('float32', 32, Float32Array, 'float'),
  float16: info('float16', 16, Uint16Array, 'encoded-float'),
  bfloat16: info('bfloat16', 16, Uint16Array, 'encoded-float'),
  float64: info('float64', 64, Float64Array, 'float'),
  int8: info('int8', 8, Int8Array, 'int'),
  uint8: info('uint8', 8, Uint8Array, 'uint'),
  int16: info('int16', 16, Int16Array, 'int'),
  uint16: info('uint16', 16, Uint16Array, 'uint'),
  int32: info('int32', 32, Int32Array, 'int'),
  uint32: info('uint32', 32, Uint32Array, 'uint'),
  int64: info('int64', 64, BigInt64Array, 'int'),
  uint64: info('uint64', 64, BigUint64Array, 'uint'),
  bool: info('bool', 8, Uint8Array, 'bool'),
  string: info('string', 0, undefined, 'string'),
  float8e4m3fn: info('float8e4m3fn', 8, Uint8Array, 'encoded-float'),
  float8e4m3fnuz: info('float8e4m3fnuz', 8, Uint8Array, 'encoded-float'),
  float8e5m2: info('float8e5m2', 8, Uint8Array, 'encoded-float'),
  float8e5m2fnuz: info('float8e5m2fnuz', 8, Uint8Array, 'encoded-float'),
  float4e2m1: info('float4e2m1', 4, Uint8Array, 'encoded-float'),
  int4: info('int4', 4, Int8Array, 'int'),
  uint4: info('uint4', 4, Uint8Array, 'uint'),
  int2: info('int2', 2, Int8Array, 'int'),
  uint2: info('uint2', 2, Uint8Array, 'uint'),
};

export function isDType(name: unknown): name is DType {
  return typeof name === 'string' && Object.hasOwn(TABLE, name);
}

export function dtypeInfo(dtype: DType): DTypeInfo {
  const i = TABLE[dtype];
  if (!i) throw new KilnError(ErrorCode.INVALID_DTYPE, `unknown dtype '${String(dtype)}'`, { hint: `use one of: ${DTYPES.join(', ')}` });
  return i;
}

/** Bytes one element occupies in kiln's in-memory storage (not in a file). */
export function storageBytes(dtype: DType): number {
  const s = dtypeInfo(dtype).storage;
  return s ? s.BYTES_PER_ELEMENT : 0;
}

/** Allocates zeroed storage for `size` elements of `dtype`, within the resource limits in force. */
export function allocateStorage(dtype: DType, size: number): TensorData {
  checkTensorSize(dtype, size);
  const s = dtypeInfo(dtype).storage;
  if (!s) return new Array<string>(size).fill('');
  return new s(size);
}

/** True when `data` is the storage kiln uses for `dtype`. */
export function storageMatches(dtype: DType, data: TensorData): boolean {
  const s = dtypeInfo(dtype).storage;
  if (!s) return Array.isArray(data);
  return data instanceof s;
}

export function isFloatDType(dtype: DType): boolean {
  return dtypeInfo(dtype).isFloat;
}

export function isIntegerDType(dtype: DType): boolean {
  return dtypeInfo(dtype).isInteger;
}
