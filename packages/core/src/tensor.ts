/**
 * Tensor: a dtype, a concrete shape and row-major storage (see dtype.ts for the storage of
 * each dtype). Tensors are values: kernels never mutate their inputs.
 */
import { allocateStorage, type DType, dtypeInfo, type TensorData, type TypedArray } from './dtype.js';
import { ErrorCode, KilnError } from './errors.js';
import {
  bfloat16ArrayToFloat32,
  decodeMinifloat,
  encodeMinifloat,
  FLOAT4E2M1,
  FLOAT8E4M3FN,
  FLOAT8E4M3FNUZ,
  FLOAT8E5M2,
  FLOAT8E5M2FNUZ,
  float16ArrayToFloat32,
  float32ArrayToBfloat16,
  float32ArrayToFloat16,
  type MinifloatFormat,
} from './float-codecs.js';
import { formatShape, shapeSize } from './shape.js';
import { readTensorArguments } from './tensor-arguments.js';

export const MINIFLOAT_FORMATS: Partial<Record<DType, MinifloatFormat>> = {
  float8e4m3fn: FLOAT8E4M3FN,
  float8e4m3fnuz: FLOAT8E4M3FNUZ,
  float8e5m2: FLOAT8E5M2,
  float8e5m2fnuz: FLOAT8E5M2FNUZ,
  float4e2m1: FLOAT4E2M1,
};

export type ScalarValue = number | bigint | boolean | string;

/** Where a tensor's data lives; Kiln tensors are always in JavaScript memory (onnxruntime's 'cpu'). */
export type TensorLocation = 'cpu';

/** Data onnxruntime's constructor forms accept: storage, Float16Array / Uint8ClampedArray, or plain values. */
export type TensorInputData = TensorData | ArrayBufferView | readonly ScalarValue[];

// Disposed tensors, kept outside the object so tensors stay plain values (equality, structured copies).
const disposed = new WeakSet<Tensor>();

export class Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData;

  /**
   * Kiln's form `(dtype, shape, data?)`, or onnxruntime's `(type, data, dims?)` and
   * `(data, dims?)`. Which form a call is read as: see tensor-arguments.ts.
   */
  constructor(dtype: DType, shape: readonly number[], data?: TensorData);
  constructor(type: DType, data: TensorInputData, dims?: readonly number[]);
  constructor(data: TensorInputData, dims?: readonly number[]);
  constructor(a: DType | TensorInputData, b?: readonly number[] | TensorInputData, c?: TensorData | readonly number[]) {
    const args = readTensorArguments(a, b, c);
    const size = shapeSize(args.shape);
    this.dtype = args.dtype;
    this.shape = Object.freeze([...args.shape]);
    if (args.values) this.data = encodeValues(args.dtype, args.values);
    else this.data = args.data ?? allocateStorage(args.dtype, size);
  }

  /** Element count. */
  get size(): number {
    return this.data.length;
  }

  /** onnxruntime's name for `shape`. */
  get dims(): readonly number[] {
    return this.shape;
  }

  /** onnxruntime's name for `dtype` (its type names are Kiln dtype names). */
  get type(): DType {
    return this.dtype;
  }

  get location(): TensorLocation {
    return 'cpu';
  }

  /** True once dispose() ran or getData(true) took the storage. */
  get isDisposed(): boolean {
    return disposed.has(this);
  }

  /**
   * The storage, as onnxruntime's getData() resolves it. With `releaseData` the caller takes
   * the storage and this tensor is disposed.
   */
  async getData(releaseData = false): Promise<TensorData> {
    if (disposed.has(this)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${this.toString()} was disposed; its data is gone`, {
        hint: 'read the data before dispose(), or keep the array getData(true) returned',
      });
    }
    const data = this.data;
    if (releaseData) this.dispose();
    return data;
  }

  /**
   * Drops this tensor's reference to its storage so the memory can be collected (another holder
   * of the array keeps it alive). `data` is then an empty array of the same kind, and runs
   * refuse the tensor as a feed. Calling it again does nothing.
   */
  dispose(): void {
    if (disposed.has(this)) return;
    disposed.add(this);
    const d = this.data;
    (this as { data: TensorData }).data = Array.isArray(d) ? [] : new (d.constructor as new (n: number) => TypedArray)(0);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Builds a tensor from plain values, encoding them to the dtype's storage (RNE for floats). */
  static fromValues(dtype: DType, shape: readonly number[], values: ArrayLike<ScalarValue> | readonly ScalarValue[]): Tensor {
    return new Tensor(dtype, shape, encodeValues(dtype, values));
  }

  static scalar(dtype: DType, value: ScalarValue): Tensor {
    return Tensor.fromValues(dtype, [], [value]);
  }

  static zeros(dtype: DType, shape: readonly number[]): Tensor {
    return new Tensor(dtype, shape);
  }

  /** Shares storage with a new shape of the same size. */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.dtype, shape, this.data);
  }

  clone(): Tensor {
    const d = this.data;
    return new Tensor(this.dtype, this.shape, Array.isArray(d) ? [...d] : (d.slice() as TypedArray));
  }

  /** Element i as a JS number (int64 beyond 2^53 loses precision; strings throw). */
  getNumber(i: number): number {
    return decodeElement(this.dtype, this.data, i);
  }

  /** All elements as float64 numbers. */
  toFloat64(): Float64Array {
    return decodeToFloat64(this.dtype, this.data);
  }

  /** All elements as float32, bit-exact for float16/bfloat16 (NaN payloads kept). */
  toFloat32(): Float32Array {
    const d = this.data;
    if (this.dtype === 'float32') return (d as Float32Array).slice();
    if (this.dtype === 'float16') return float16ArrayToFloat32(d as Uint16Array);
    if (this.dtype === 'bfloat16') return bfloat16ArrayToFloat32(d as Uint16Array);
    return Float32Array.from(decodeToFloat64(this.dtype, d));
  }

  /** Elements as plain JS values: number, bigint (64-bit ints), boolean or string. */
  toArray(): ScalarValue[] {
    const d = this.data;
    if (Array.isArray(d)) return [...d];
    if (this.dtype === 'bool') return Array.from(d as Uint8Array, (v) => v !== 0);
    if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Array.from(d);
    return Array.from(this.toFloat64());
  }

  toString(): string {
    return `Tensor<${this.dtype}>${formatShape(this.shape)}`;
  }
}

// ---------------------------------------------------------------- encoding and decoding

function decodeElement(dtype: DType, data: TensorData, i: number): number {
  if (Array.isArray(data)) throw new KilnError(ErrorCode.INVALID_DTYPE, 'string tensors have no numeric value');
  const v = data[i]!;
  if (typeof v === 'bigint') return Number(v);
  if (dtype === 'float16') return float16ArrayToFloat32(new Uint16Array([v]))[0]!;
  if (dtype === 'bfloat16') return bfloat16ArrayToFloat32(new Uint16Array([v]))[0]!;
  const mf = MINIFLOAT_FORMATS[dtype];
  return mf ? decodeMinifloat(v, mf) : v;
}

export function decodeToFloat64(dtype: DType, data: TensorData): Float64Array {
  if (Array.isArray(data)) throw new KilnError(ErrorCode.INVALID_DTYPE, 'string tensors have no numeric value');
  if (dtype === 'float16') return Float64Array.from(float16ArrayToFloat32(data as Uint16Array));
  if (dtype === 'bfloat16') return Float64Array.from(bfloat16ArrayToFloat32(data as Uint16Array));
  const mf = MINIFLOAT_FORMATS[dtype];
  if (mf) return Float64Array.from(data as Uint8Array, (b) => decodeMinifloat(b, mf));
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float64Array.from(data, (b) => Number(b));
  return Float64Array.from(data as ArrayLike<number>);
}

function toNumber(v: ScalarValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  const t = v.trim().toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan') return Number.NaN;
  return Number(v);
}

function toBigInt(v: ScalarValue, bits: 64, signed: boolean): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else {
    const n = toNumber(v);
    b = Number.isFinite(n) ? BigInt(Math.trunc(n)) : 0n;
  }
  return signed ? BigInt.asIntN(bits, b) : BigInt.asUintN(bits, b);
}

/** Wraps an integer into `bits` (two's complement when signed), as a C cast would. */
function wrapInt(n: number, bits: number, signed: boolean): number {
  if (!Number.isFinite(n)) return 0;
  const t = Math.trunc(n);
  const m = 2 ** bits;
  let r = ((t % m) + m) % m;
  if (signed && r >= m / 2) r -= m;
  return r;
}

/**
 * Encodes plain values into the storage of `dtype`. Floats round to nearest even; float→int
 * truncates toward zero and wraps (C cast); NaN → 0 for ints; bool is `value != 0`.
 */
export function encodeValues(
  dtype: DType,
  values: ArrayLike<ScalarValue> | readonly ScalarValue[],
  options: { saturate?: boolean } = {},
): TensorData {
  const n = values.length;
  const inf = dtypeInfo(dtype);
  if (dtype === 'string') return Array.from({ length: n }, (_, i) => String(values[i]));
  const out = allocateStorage(dtype, n);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    const signed = dtype === 'int64';
    for (let i = 0; i < n; i++) out[i] = toBigInt(values[i]!, 64, signed);
    return out;
  }
  const arr = out as Exclude<TypedArray, BigInt64Array | BigUint64Array>;
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const f32 = Float32Array.from({ length: n }, (_, i) => toNumber(values[i]!));
    arr.set(dtype === 'float16' ? float32ArrayToFloat16(f32) : float32ArrayToBfloat16(f32));
    return arr;
  }
  const mf = MINIFLOAT_FORMATS[dtype];
  if (mf) {
    const saturate = options.saturate ?? true;
    // Values reach the narrow format through float32, as every producer of these files does.
    for (let i = 0; i < n; i++) arr[i] = encodeMinifloat(Math.fround(toNumber(values[i]!)), mf, saturate);
    return arr;
  }
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      arr[i] = typeof v === 'boolean' ? (v ? 1 : 0) : toNumber(v) !== 0 ? 1 : 0;
    }
    return arr;
  }
  if (inf.isInteger) {
    for (let i = 0; i < n; i++) arr[i] = wrapInt(toNumber(values[i]!), inf.bits, inf.isSigned);
    return arr;
  }
  for (let i = 0; i < n; i++) arr[i] = toNumber(values[i]!);
  return arr;
}

/** Converts a tensor to another dtype with ONNX Cast semantics (saturate applies to float8). */
export function castTensor(t: Tensor, to: DType, options: { saturate?: boolean } = {}): Tensor {
  if (t.dtype === to) return t.clone();
  const d = t.data;
  if (to === 'string') {
    const vals = t.toArray().map((v) => (typeof v === 'number' ? formatNumberForString(v) : String(v)));
    return new Tensor('string', t.shape, vals);
  }
  // 64-bit integers keep exact values between each other.
  if ((d instanceof BigInt64Array || d instanceof BigUint64Array) && dtypeInfo(to).is64BitInteger) {
    return new Tensor(to, t.shape, encodeValues(to, Array.from(d)));
  }
  if (Array.isArray(d)) return new Tensor(to, t.shape, encodeValues(to, d, options));
  if (t.dtype === 'bool' || dtypeInfo(t.dtype).isInteger) {
    if (d instanceof BigInt64Array || d instanceof BigUint64Array) return new Tensor(to, t.shape, encodeValues(to, Array.from(d), options));
    return new Tensor(to, t.shape, encodeValues(to, d as ArrayLike<number>, options));
  }
  // Floats decode through float32 when narrower, float64 otherwise.
  const values = t.dtype === 'float64' ? (d as Float64Array) : t.toFloat32();
  return new Tensor(to, t.shape, encodeValues(to, values, options));
}

function formatNumberForString(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'INF';
  if (v === -Infinity) return '-INF';
  return String(v);
}
