/**
 * Element type names as onnxruntime users write them. onnxruntime's names are a subset of
 * Kiln's dtype names with the same meaning, so the mapping is by name; what this file adds is
 * refusing names neither side knows, and telling a dtype from the storage array alone (the
 * `new Tensor(data, dims)` form has no type argument).
 */
import { DTYPES, type DType, isDType } from './dtype.js';
import { ErrorCode, KilnError } from './errors.js';

/** The element types onnxruntime-node's Tensor accepts; each is also a Kiln dtype. */
export const ORT_TENSOR_TYPES = [
  'float32',
  'float64',
  'float16',
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
  'int4',
  'uint4',
] as const satisfies readonly DType[];

export type OrtTensorType = (typeof ORT_TENSOR_TYPES)[number];

/** The dtype a type name stands for: an onnxruntime name or any Kiln dtype; anything else is refused. */
export function dtypeFromTypeName(name: unknown): DType {
  if (isDType(name)) return name;
  throw new KilnError(ErrorCode.INVALID_DTYPE, `unknown tensor type ${JSON.stringify(name) ?? String(name)}`, {
    hint: `use one of onnxruntime's names (${ORT_TENSOR_TYPES.join(', ')}) or a Kiln dtype (${DTYPES.filter((d) => !(ORT_TENSOR_TYPES as readonly string[]).includes(d)).join(', ')})`,
  });
}

/**
 * The dtype onnxruntime infers from data given without a type: the typed array's element type,
 * 'string' / 'bool' for arrays of strings / booleans, 'float32' for arrays of numbers.
 * Undefined when the data says nothing usable (an empty plain array is float32, as in onnxruntime).
 */
export function dtypeFromData(data: unknown): DType | undefined {
  if (Array.isArray(data)) {
    const first: unknown = data[0];
    if (first === undefined || typeof first === 'number') return 'float32';
    if (typeof first === 'string') return 'string';
    if (typeof first === 'boolean') return 'bool';
    if (typeof first === 'bigint') return 'int64';
    return undefined;
  }
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof BigUint64Array) return 'uint64';
  if (isFloat16Array(data)) return 'float16';
  return undefined;
}

/** Float16Array exists only in newer runtimes; looked up each time so a polyfill also counts. */
export function isFloat16Array(data: unknown): data is ArrayLike<number> & ArrayBufferView {
  const ctor = (globalThis as { Float16Array?: abstract new (...args: never[]) => unknown }).Float16Array;
  return ctor !== undefined && data instanceof ctor;
}
