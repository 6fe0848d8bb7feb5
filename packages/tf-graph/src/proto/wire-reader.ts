/**
 * A small protobuf wire-format reader. TensorFlow's GraphDef, SavedModel, checkpoint bundle
 * entries and NVIDIA's UFF are all protobuf; kiln declares their schemas as field-number
 * decoders (see tf-messages.ts) and reads them with this. Every read is bounds-checked so a
 * truncated or corrupted file becomes a KilnError instead of a crash or a hang.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';

export const WireType = { VARINT: 0, FIXED64: 1, BYTES: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

/** Nesting deeper than this is treated as corruption (real models nest a few levels). */
const MAX_DEPTH = 100;

export class ProtoReader {
  private pos: number;
  private readonly view: DataView;

  /**
   * @param what names the file or message for error messages ("GraphDef", "variables.index").
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
    start = 0,
    private readonly end = bytes.length,
    private readonly depth = 0,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (depth > MAX_DEPTH) this.fail('messages are nested too deeply', ErrorCode.INVALID_MODEL);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  get offset(): number {
    return this.pos;
  }

  fail(message: string, code: ErrorCode = ErrorCode.INVALID_MODEL): never {
    throw new KilnError(code, `${this.what}: ${message} (at byte ${this.pos})`, {
      hint:
        code === ErrorCode.TRUNCATED_FILE
          ? 'the file is truncated; copy or download it again'
          : 'the file is not a valid protobuf of this kind or is corrupted',
    });
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) this.fail(`needs ${n} more bytes but the message ends`, ErrorCode.TRUNCATED_FILE);
  }

  /** Reads a varint as a bigint (protobuf int64/uint64 need all 64 bits). */
  varintBig(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      this.need(1);
      const b = this.bytes[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    return this.fail('a varint is longer than 10 bytes');
  }

  /** Reads a varint as a JS number; int64 values are read two's complement (negative stays negative). */
  varint(): number {
    // Fast path for the common small values.
    if (this.pos < this.end) {
      const b = this.bytes[this.pos]!;
      if (b < 0x80) {
        this.pos++;
        return b;
      }
    }
    return Number(BigInt.asIntN(64, this.varintBig()));
  }

  /** int32 / enum fields: negative values are sign-extended to 10 bytes on the wire. */
  int32(): number {
    return Number(BigInt.asIntN(32, BigInt.asIntN(64, this.varintBig())));
  }

  bool(): boolean {
    return this.varint() !== 0;
  }

  fixed32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  float(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  fixed64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Skips n raw bytes (formats that mix varints with raw runs, like SSTable blocks). */
  advance(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** A length-delimited field's bytes (a view, not a copy). */
  bytesField(): Uint8Array {
    const len = this.varint();
    if (len < 0) this.fail(`negative length ${len}`);
    this.need(len);
    const out = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    return new TextDecoder().decode(this.bytesField());
  }

  /** A reader over an embedded message. */
  message(what = this.what): ProtoReader {
    const len = this.varint();
    if (len < 0) this.fail(`negative length ${len}`);
    this.need(len);
    const sub = new ProtoReader(this.bytes, what, this.pos, this.pos + len, this.depth + 1);
    this.pos += len;
    return sub;
  }

  /** The next field's number and wire type; call skip(wireType) for fields you do not read. */
  tag(): { field: number; wireType: number } {
    const key = this.varint();
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (field <= 0) this.fail(`invalid field number ${field}`);
    return { field, wireType };
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varintBig();
        return;
      case WireType.FIXED64:
        this.need(8);
        this.pos += 8;
        return;
      case WireType.BYTES:
        this.bytesField();
        return;
      case WireType.FIXED32:
        this.need(4);
        this.pos += 4;
        return;
      case WireType.START_GROUP:
        for (;;) {
          if (this.done) this.fail('a group is not closed', ErrorCode.TRUNCATED_FILE);
          const t = this.tag();
          if (t.wireType === WireType.END_GROUP) return;
          this.skip(t.wireType);
        }
      default:
        this.fail(`unknown wire type ${wireType}`);
    }
  }

  /**
   * Reads a repeated scalar field that may be packed (wire type 2) or not; `one` reads one
   * element. Appends to `into`.
   */
  repeated<T>(wireType: number, one: (r: ProtoReader) => T, into: T[]): void {
    if (wireType === WireType.BYTES) {
      const sub = this.message();
      while (!sub.done) into.push(one(sub));
    } else into.push(one(this));
  }

  /** Iterates the fields of this message, calling `onField`; unread fields must be skipped by it. */
  forEach(onField: (field: number, wireType: number) => void): void {
    while (!this.done) {
      const { field, wireType } = this.tag();
      onField(field, wireType);
    }
    if (this.pos !== this.end) this.fail('a field runs past the end of its message', ErrorCode.TRUNCATED_FILE);
  }

  /** Checks that a field has the wire type the schema expects, naming the field otherwise. */
  expect(wireType: number, expected: number, field: string): void {
    if (wireType !== expected) this.fail(`field '${field}' has wire type ${wireType}, expected ${expected}`);
  }
}

/** Decodes a map<K, V> entry (key = field 1, value = field 2). */
export function readMapEntry<K, V>(
  r: ProtoReader,
  readKey: (r: ProtoReader) => K,
  readValue: (r: ProtoReader) => V,
  defaults: { key: K; value: () => V },
): [K, V] {
  const entry = r.message();
  let key = defaults.key;
  let value: V | undefined;
  entry.forEach((field, wt) => {
    if (field === 1) key = readKey(entry);
    else if (field === 2) {
      entry.expect(wt, WireType.BYTES, 'map value');
      value = readValue(entry);
    } else entry.skip(wt);
  });
  return [key, value ?? defaults.value()];
}
