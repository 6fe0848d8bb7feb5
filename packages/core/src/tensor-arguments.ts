/**
 * Reads Tensor's constructor arguments in either of its forms, so code written for
 * onnxruntime-node builds Kiln tensors unchanged:
 *   Kiln's         new Tensor(dtype, shape, data?)
 *   onnxruntime's  new Tensor(type, data, dims?)   and   new Tensor(data, dims?)
 *
 * The forms overlap when the 2nd (and 3rd) arguments are plain number arrays. The rule:
 *   1. The first argument is not a string: onnxruntime's (data, dims).
 *   2. The second argument is a typed array, or an array holding anything but numbers:
 *      onnxruntime's (type, data, dims).
 *   3. The second argument is a plain number array: Kiln's (dtype, shape, data) when that
 *      reading is valid (dims are integers ≥ 0; data, if given, is the dtype's storage array
 *      and fills the shape); else onnxruntime's when the third argument is absent or a number
 *      array and that reading is valid; else a KilnError that says why each reading fails.
 * So `new Tensor('float32', [2, 3])` stays Kiln's zero-filled 2×3 tensor: onnxruntime's 1-D
 * form needs its dims written out, `new Tensor('float32', [2, 3], [2])`.
 * Only the argument shapes choose the form; limits (size, memory) are checked after.
 */
import { allocateStorage, type DType, storageMatches, type TensorData } from './dtype.js';
import { ErrorCode, KilnError } from './errors.js';
import type { ScalarValue } from './tensor.js';
import { dtypeFromData, dtypeFromTypeName, isFloat16Array } from './tensor-type-names.js';

export interface TensorArguments {
  dtype: DType;
  shape: readonly number[];
  /** Undefined: zero-filled storage of the shape's size, or `values` encoded. */
  data: TensorData | undefined;
  /** Plain values (onnxruntime's number/boolean/string arrays) for the caller to encode into storage. */
  values?: readonly ScalarValue[];
}

const BOTH_FORMS_HINT =
  "Kiln's form is new Tensor(dtype, shape, storage), e.g. new Tensor('float32', [2, 2], new Float32Array(4)); " +
  "onnxruntime's is new Tensor(type, data, dims), e.g. new Tensor('float32', [1, 2, 3, 4], [2, 2])";

export function readTensorArguments(a: unknown, b: unknown, c: unknown): TensorArguments {
  if (typeof a !== 'string') return dataFirstForm(a, b, c);
  const dtype = dtypeFromTypeName(a);
  if (b === undefined) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `new Tensor('${a}') has neither a shape nor data`, { hint: BOTH_FORMS_HINT });
  }
  if (!isNumberArray(b)) {
    const ort = ortReading(dtype, b, c);
    if (typeof ort === 'string')
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `new Tensor('${a}', data, dims): ${ort}`, { hint: BOTH_FORMS_HINT });
    return ort;
  }
  const kilnProblem = kilnReadingProblem(dtype, b, c);
  if (kilnProblem === undefined) return { dtype, shape: b, data: c as TensorData | undefined };
  // A typed array or string[] third argument can only be Kiln's storage: keep Kiln's own error.
  if (c !== undefined && !isNumberArray(c)) throw kilnProblem;
  const ort = ortReading(dtype, b, c);
  if (typeof ort !== 'string') return ort;
  throw new KilnError(
    ErrorCode.INVALID_ARGUMENT,
    `new Tensor('${a}', [${b.join(', ')}]${c === undefined ? '' : `, [${(c as number[]).join(', ')}]`}) fits neither form: ` +
      `as Kiln's (dtype, shape, data) ${kilnProblem.message}; as onnxruntime's (type, data, dims) ${ort}`,
    { hint: BOTH_FORMS_HINT },
  );
}

/** onnxruntime's `new Tensor(data, dims?)`: the type comes from the data. */
function dataFirstForm(data: unknown, dims: unknown, extra: unknown): TensorArguments {
  const dtype = dtypeFromData(data);
  if (dtype === undefined) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `new Tensor(data, dims) cannot tell the element type of ${describe(data)}`, {
      hint: 'pass a typed array, or an array of numbers, strings or booleans; or name the type: new Tensor(type, data, dims)',
    });
  }
  if (extra !== undefined) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'new Tensor(data, dims) takes two arguments, but a third was given', {
      hint: BOTH_FORMS_HINT,
    });
  }
  const ort = ortReading(dtype, data, dims);
  if (typeof ort === 'string') throw new KilnError(ErrorCode.INVALID_ARGUMENT, `new Tensor(data, dims): ${ort}`, { hint: BOTH_FORMS_HINT });
  return ort;
}

/** Why Kiln's reading does not hold, with the error Kiln's constructor has always thrown; undefined when it holds. */
function kilnReadingProblem(dtype: DType, shape: readonly number[], data: unknown): KilnError | undefined {
  const bad = shape.find((d) => !Number.isInteger(d) || d < 0);
  if (bad !== undefined) {
    return new KilnError(ErrorCode.INVALID_SHAPE, `shape [${shape.join(',')}] has the invalid dimension ${bad}`, {
      hint: 'dims are integers ≥ 0',
    });
  }
  if (data === undefined) return undefined;
  if (!(ArrayBuffer.isView(data) || Array.isArray(data)) || !storageMatches(dtype, data as TensorData)) {
    return new KilnError(ErrorCode.INVALID_DTYPE, `storage ${describe(data)} does not hold ${dtype} elements`, {
      hint: 'build tensors with Tensor.fromValues() or the storage type listed in dtype.ts',
    });
  }
  const size = product(shape);
  const length = (data as TensorData).length;
  if (length !== size) {
    return new KilnError(ErrorCode.SHAPE_MISMATCH, `${length} elements do not fill shape [${shape.join(',')}] (${size} elements)`);
  }
  return undefined;
}

/** onnxruntime's reading (type, data, dims?): the arguments in Kiln's terms, or why they do not fit. */
function ortReading(dtype: DType, data: unknown, dims: unknown): TensorArguments | string {
  if (!(Array.isArray(data) || ArrayBuffer.isView(data)) || data instanceof DataView) {
    return `data must be a typed array or an array, not ${describe(data)}`;
  }
  const length = (data as ArrayLike<unknown>).length;
  // Without dims the tensor is 1-D, as in onnxruntime.
  const shape = dims === undefined ? [length] : dims;
  if (!isNumberArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    return `dims must be an array of integers ≥ 0, not ${describe(dims)}`;
  }
  const size = product(shape);
  if (dtype === 'int4' || dtype === 'uint4') return packedNibbles(dtype, data, shape, size);
  if (length !== size) return `${length} elements do not fill dims [${shape.join(',')}] (${size} elements)`;
  if (Array.isArray(data)) {
    const values = plainValues(dtype, data);
    return typeof values === 'string' ? values : { dtype, shape, data: undefined, values };
  }
  const storage = viewAsStorage(dtype, data as ArrayBufferView);
  return typeof storage === 'string' ? storage : { dtype, shape, data: storage };
}

/** Checks plain values against the dtype: strings only for 'string', and only strings there. */
function plainValues(dtype: DType, values: readonly unknown[]): readonly ScalarValue[] | string {
  if (dtype === 'string') {
    return values.every((v) => typeof v === 'string') ? (values as string[]) : 'a string tensor needs an array of strings';
  }
  const odd = values.find((v) => typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'bigint');
  if (odd !== undefined) return `a ${dtype} tensor needs numbers, booleans or bigints, not ${describe(odd)}`;
  return values as readonly ScalarValue[];
}

/** A typed array as the dtype's storage, sharing memory where onnxruntime's array is a view of it. */
function viewAsStorage(dtype: DType, data: ArrayBufferView): TensorData | string {
  if (dtype === 'float16' && isFloat16Array(data)) return new Uint16Array(data.buffer, data.byteOffset, data.length);
  if (dtype === 'uint8' && data instanceof Uint8ClampedArray) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (storageMatches(dtype, data as TensorData)) return data as TensorData;
  return `${dtype} data must be a ${storageName(dtype)}, not ${describe(data)}`;
}

/** onnxruntime packs int4/uint4 two to a byte, low nibble first; Kiln stores one per byte. */
function packedNibbles(dtype: 'int4' | 'uint4', data: unknown, shape: readonly number[], size: number): TensorArguments | string {
  if (!(data instanceof Uint8Array)) return `${dtype} data must be a Uint8Array of packed nibbles, not ${describe(data)}`;
  if (data.length !== Math.ceil(size / 2)) {
    return `${data.length} bytes do not hold dims [${shape.join(',')}] (${size} ${dtype} elements pack into ${Math.ceil(size / 2)} bytes)`;
  }
  const out = dtype === 'int4' ? new Int8Array(size) : new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const nibble = (data[i >> 1]! >> ((i & 1) * 4)) & 0xf;
    out[i] = dtype === 'int4' && nibble >= 8 ? nibble - 16 : nibble;
  }
  return { dtype, shape, data: out };
}

function storageName(dtype: DType): string {
  if (dtype === 'string') return 'string array';
  const probe = allocateStorage(dtype, 0);
  return dtype === 'float16' ? 'Uint16Array (bit patterns) or Float16Array' : probe.constructor.name;
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

function product(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v !== 'object') return `a ${typeof v} (${String(v)})`;
  const name = (v as { constructor?: { name?: string } }).constructor?.name;
  return name ? `a ${name}` : 'an object';
}
