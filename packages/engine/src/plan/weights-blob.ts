/**
 * The weights section: every Tensor a network holds (constants, plugin fields, sub-network
 * weights) stored once, each aligned to WEIGHT_ALIGNMENT bytes so a backend can map or upload
 * them without copying. The layers section refers to them by index into the tensor table.
 */
import {
  type DType,
  dtypeInfo,
  ErrorCode,
  isDType,
  KilnError,
  shapeSize,
  Tensor,
  tensorFromLittleEndian,
  tensorToLittleEndian,
} from '@kiln-inference/core';
import type { JsonValue } from './canonical-json.js';

export const WEIGHT_ALIGNMENT = 64;

export interface TensorEntry {
  dtype: DType;
  shape: number[];
  offset: number;
  length: number;
}

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** Collects tensors while the network is encoded; identical objects share one entry. */
export class WeightsWriter {
  private readonly index = new Map<Tensor, number>();
  private readonly chunks: Uint8Array[] = [];
  readonly entries: TensorEntry[] = [];
  private size = 0;

  add(tensor: Tensor): number {
    const known = this.index.get(tensor);
    if (known !== undefined) return known;
    const bytes = tensor.dtype === 'string' ? encodeStrings(tensor.data as string[]) : tensorToLittleEndian(tensor);
    const offset = alignUp(this.size, WEIGHT_ALIGNMENT);
    if (offset > this.size) this.chunks.push(new Uint8Array(offset - this.size));
    this.chunks.push(bytes);
    this.size = offset + bytes.length;
    const id = this.entries.length;
    this.entries.push({ dtype: tensor.dtype, shape: [...tensor.shape], offset, length: bytes.length });
    this.index.set(tensor, id);
    return id;
  }

  blob(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  table(): JsonValue {
    return this.entries.map((e) => ({ dtype: e.dtype, shape: e.shape, offset: e.offset, length: e.length }));
  }
}

/** Reads tensors back from the weights blob, lazily and once each. */
export class WeightsReader {
  private readonly cache = new Map<number, Tensor>();

  constructor(
    private readonly entries: TensorEntry[],
    private readonly blob: Uint8Array,
  ) {}

  get(id: number): Tensor {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const e = this.entries[id];
    if (!e) throw corrupted(`tensor reference ${id} is outside the tensor table (${this.entries.length} entries)`);
    if (e.offset + e.length > this.blob.length) throw corrupted(`tensor ${id} lies past the end of the weights section`);
    const bytes = this.blob.subarray(e.offset, e.offset + e.length);
    let t: Tensor;
    try {
      t =
        e.dtype === 'string'
          ? new Tensor('string', e.shape, decodeStrings(bytes, shapeSize(e.shape)))
          : tensorFromLittleEndian(e.dtype, e.shape, bytes);
    } catch (err) {
      if (err instanceof KilnError && err.code === ErrorCode.PLAN_CORRUPTED) throw err;
      throw corrupted(`tensor ${id} does not match its table entry (${err instanceof Error ? err.message : String(err)})`);
    }
    this.cache.set(id, t);
    return t;
  }
}

export function parseTensorTable(value: unknown): TensorEntry[] {
  if (!Array.isArray(value)) throw corrupted('the tensor table is missing');
  return value.map((raw, i) => {
    // A table entry may be any JSON value in a damaged plan, null included.
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupted(`tensor table entry ${i} is not an object`);
    const e = raw as Partial<TensorEntry>;
    const ok =
      isDType(e.dtype) &&
      Array.isArray(e.shape) &&
      e.shape.every((d) => Number.isInteger(d) && d >= 0) &&
      Number.isInteger(e.offset) &&
      Number.isInteger(e.length) &&
      e.offset! >= 0 &&
      e.length! >= 0;
    if (!ok) throw corrupted(`tensor table entry ${i} is malformed`);
    dtypeInfo(e.dtype!);
    return e as TensorEntry;
  });
}

/** Strings: per element a little-endian u32 byte length, then the UTF-8 bytes. */
function encodeStrings(values: string[]): Uint8Array {
  const encoder = new TextEncoder();
  const parts = values.map((s) => encoder.encode(s));
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length, true);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

function decodeStrings(bytes: Uint8Array, count: number): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) throw corrupted('a string tensor is truncated');
    const n = view.getUint32(at, true);
    if (at + 4 + n > bytes.length) throw corrupted('a string tensor is truncated');
    out.push(decoder.decode(bytes.subarray(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  return out;
}

export function corrupted(message: string): KilnError {
  return new KilnError(ErrorCode.PLAN_CORRUPTED, `plan is corrupted: ${message}`, {
    hint: 'the plan file is damaged or incomplete; rebuild it from the model with buildPlan() (kiln build)',
  });
}
