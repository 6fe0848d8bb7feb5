/**
 * TensorFlow.js weight manifests: each group lists shard paths whose bytes, concatenated, hold
 * its weights back to back. Weights are little-endian float32/int32, 1-byte bool, strings as
 * (uint32 length, bytes) per element, or quantized: `float16`, or `uint8`/`uint16` affine
 * (value = q · scale + min) that dequantize back to the original dtype.
 */
import {
  checkCount,
  checkModelBytes,
  checkTensorSize,
  type DType,
  ErrorCode,
  float16ArrayToFloat32,
  KilnError,
  shapeSize,
  storageBytes,
  Tensor,
} from '@kiln-inference/core';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

function fail(message: string, hint = 'the weights manifest or a shard is corrupted or truncated'): never {
  throw new KilnError(ErrorCode.INVALID_MODEL, `TensorFlow.js weights: ${message}`, { hint });
}

const PLAIN: Record<string, { dtype: DType; bytes: number }> = {
  float32: { dtype: 'float32', bytes: 4 },
  int32: { dtype: 'int32', bytes: 4 },
  bool: { dtype: 'bool', bytes: 1 },
};

/** Checks one manifest entry's shape of JSON and returns it typed. */
export function checkWeightSpec(spec: unknown, where: string): WeightSpec {
  const s = spec as Partial<WeightSpec> | null;
  if (typeof s !== 'object' || s === null || typeof s.name !== 'string' || typeof s.dtype !== 'string' || !Array.isArray(s.shape)) {
    fail(`${where} needs 'name', 'dtype' and 'shape'`);
  }
  if (!s.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`weight '${s.name}' has an invalid shape ${JSON.stringify(s.shape)}`);
  return s as WeightSpec;
}

/** The dtype a weight decodes to (quantized weights dequantize to their original dtype). */
function decodedDType(spec: WeightSpec): DType {
  if (spec.quantization) return (spec.quantization.original_dtype ?? spec.dtype) === 'int32' ? 'int32' : 'float32';
  return PLAIN[spec.dtype]?.dtype ?? 'string';
}

/**
 * Checks every weight's declared size and the model's total against the limits in force,
 * before any shard is read.
 */
export function checkDeclaredWeights(groups: readonly WeightGroup[]): void {
  let total = 0;
  for (const group of groups) {
    for (const spec of group.weights) {
      const dtype = decodedDType(spec);
      const count = checkTensorSize(dtype, elementCount(spec), { what: `TensorFlow.js weight '${spec.name}'` });
      total += count * Math.max(1, storageBytes(dtype));
      checkModelBytes(total, 'the weights of the weightsManifest');
    }
  }
}

function elementCount(spec: WeightSpec): number {
  return shapeSize(spec.shape, { hint: `weight '${spec.name}': the manifest's shape is absurd` });
}

/** Bytes one weight takes in its shard (strings are measured while reading). */
function storedBytes(spec: WeightSpec, count: number): number {
  const q = spec.quantization;
  if (q) {
    const per = { uint8: 1, uint16: 2, float16: 2 }[q.dtype];
    if (per === undefined)
      fail(`weight '${spec.name}' uses unknown quantization '${q.dtype}'`, 'supported: uint8, uint16 (affine) and float16');
    return count * per;
  }
  const plain = PLAIN[spec.dtype];
  if (!plain) fail(`weight '${spec.name}' has unsupported dtype '${spec.dtype}'`, 'supported: float32, int32, bool, string');
  return count * plain.bytes;
}

function dequantize(spec: WeightSpec, bytes: Uint8Array, count: number): Tensor {
  const q = spec.quantization!;
  const target = (q.original_dtype ?? spec.dtype) === 'int32' ? 'int32' : 'float32';
  let values: Float32Array;
  if (q.dtype === 'float16') {
    values = float16ArrayToFloat32(new Uint16Array(bytes.slice().buffer, 0, count));
  } else {
    if (typeof q.scale !== 'number' || typeof q.min !== 'number')
      fail(`weight '${spec.name}': affine quantization needs 'scale' and 'min'`);
    const raw = q.dtype === 'uint8' ? bytes : new Uint16Array(bytes.slice().buffer, 0, count);
    values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = raw[i]! * q.scale + q.min;
  }
  if (target === 'int32') return Tensor.fromValues('int32', spec.shape, Array.from(values, Math.round));
  return new Tensor('float32', spec.shape, values);
}

function readStrings(spec: WeightSpec, buffer: Uint8Array, offset: number, count: number): { tensor: Tensor; end: number } {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const values: string[] = [];
  let pos = offset;
  const utf8 = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (pos + 4 > buffer.length) fail(`string weight '${spec.name}' runs past the end of its shards`);
    const len = view.getUint32(pos, true);
    checkCount('maxStringLength', len, `string weight '${spec.name}': the length of an element`);
    pos += 4;
    if (pos + len > buffer.length) fail(`string weight '${spec.name}' runs past the end of its shards`);
    values.push(utf8.decode(buffer.subarray(pos, pos + len)));
    pos += len;
  }
  return { tensor: new Tensor('string', spec.shape, values), end: pos };
}

/** Decodes one group's weights from its concatenated shard bytes. */
export function decodeWeightGroup(specs: WeightSpec[], buffer: Uint8Array, into: Map<string, Tensor>): void {
  let offset = 0;
  for (const spec of specs) {
    const count = elementCount(spec);
    if (spec.dtype === 'string' && !spec.quantization) {
      const { tensor, end } = readStrings(spec, buffer, offset, count);
      into.set(spec.name, tensor);
      offset = end;
      continue;
    }
    const n = storedBytes(spec, count);
    if (offset + n > buffer.length) {
      fail(`weight '${spec.name}' needs bytes ${offset}..${offset + n} but the shards hold ${buffer.length}`);
    }
    const bytes = buffer.slice(offset, offset + n);
    offset += n;
    if (spec.quantization) into.set(spec.name, dequantize(spec, bytes, count));
    else {
      const plain = PLAIN[spec.dtype]!;
      const t = new Tensor(plain.dtype, spec.shape);
      new Uint8Array((t.data as Uint8Array).buffer).set(bytes);
      into.set(spec.name, t);
    }
  }
  if (offset !== buffer.length) {
    fail(
      `the shards hold ${buffer.length} bytes but the manifest describes ${offset}`,
      'a shard is missing, truncated or does not belong to this model',
    );
  }
}
