/**
 * Protobuf at the wire level: bytes ↔ a tree of fields, and field-level mutations on it. The
 * fuzzers need no per-format schema to reach every field of ONNX, GraphDef, SavedModel and UFF
 * files: a length-delimited field that parses cleanly as a message is treated as one. Trees are
 * immutable, and a mutation copies only the path it changes; unchanged messages keep their
 * original bytes, so mutating a 2 MB model costs little more than mutating a tiny one.
 */
import { INTERESTING_INTS, type Rng } from '../prng.js';

export type WireField =
  | { no: number; wire: 0; value: bigint }
  | { no: number; wire: 1; value: Uint8Array }
  | { no: number; wire: 5; value: Uint8Array }
  | { no: number; wire: 2; value: Uint8Array; message?: WireMessage };

export interface WireMessage {
  fields: readonly WireField[];
  /** The encoding this message was parsed from, reused until it changes. */
  raw?: Uint8Array;
}

const MAX_PARSE_DEPTH = 24;

function readVarint(b: Uint8Array, pos: number): [bigint, number] | undefined {
  let v = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= b.length) return undefined;
    const byte = b[pos++]!;
    v |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [v, pos];
    shift += 7n;
  }
  return undefined;
}

/** Parses `bytes` as a message; undefined when they are not one (so a string stays a string). */
export function parseWire(input: Uint8Array, depth = 0): WireMessage | undefined {
  // The tree keeps views of the bytes it was parsed from: own them (a Buffer may be pooled).
  const bytes = depth === 0 ? new Uint8Array(input) : input;
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const key = readVarint(bytes, pos);
    if (!key) return undefined;
    const [tag, after] = key;
    pos = after;
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (no < 1 || no > 536870911) return undefined;
    if (wire === 0) {
      const v = readVarint(bytes, pos);
      if (!v) return undefined;
      fields.push({ no, wire: 0, value: v[0] });
      pos = v[1];
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (pos + n > bytes.length) return undefined;
      fields.push({ no, wire, value: bytes.subarray(pos, pos + n) });
      pos += n;
    } else if (wire === 2) {
      const len = readVarint(bytes, pos);
      if (!len || len[1] + Number(len[0]) > bytes.length) return undefined;
      const value = bytes.subarray(len[1], len[1] + Number(len[0]));
      pos = len[1] + Number(len[0]);
      const message = depth < MAX_PARSE_DEPTH && value.length > 0 && !looksLikeText(value) ? parseWire(value, depth + 1) : undefined;
      fields.push(message ? { no, wire: 2, value, message } : { no, wire: 2, value });
    } else {
      return undefined;
    }
  }
  return { fields, raw: bytes };
}

/** Names and paths are printable text; parsing them as messages would only add noise. */
function looksLikeText(b: Uint8Array): boolean {
  if (b.length > 256) return false;
  for (const c of b) if (c < 0x20 || c > 0x7e) return false;
  return true;
}

function varintBytes(v: bigint): number[] {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) byte |= 0x80;
    out.push(byte);
  } while (x !== 0n);
  return out;
}

export function encodeWire(msg: WireMessage): Uint8Array {
  if (msg.raw) return msg.raw;
  const parts: (number[] | Uint8Array)[] = [];
  let size = 0;
  const push = (p: number[] | Uint8Array) => {
    parts.push(p);
    size += p.length;
  };
  for (const f of msg.fields) {
    push(varintBytes((BigInt(f.no) << 3n) | BigInt(f.wire)));
    if (f.wire === 0) push(varintBytes(f.value));
    else if (f.wire === 1 || f.wire === 5) push(f.value);
    else {
      const body = f.message ? encodeWire(f.message) : f.value;
      push(varintBytes(BigInt(body.length)));
      push(body);
    }
  }
  const out = new Uint8Array(size);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Builders for seeds written in code. */
export const pb = {
  varint: (no: number, v: number | bigint): WireField => ({ no, wire: 0, value: BigInt.asUintN(64, BigInt(v)) }),
  str: (no: number, s: string): WireField => ({ no, wire: 2, value: new TextEncoder().encode(s) }),
  bytes: (no: number, b: Uint8Array): WireField => ({ no, wire: 2, value: b }),
  msg: (no: number, ...fields: WireField[]): WireField => {
    const message: WireMessage = { fields };
    return { no, wire: 2, value: encodeWire(message), message };
  },
  f32: (no: number, v: number): WireField => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return { no, wire: 5, value: b };
  },
  packed: (no: number, values: readonly number[]): WireField => ({
    no,
    wire: 2,
    value: Uint8Array.from(values.flatMap((v) => varintBytes(BigInt.asUintN(64, BigInt(v))))),
  }),
};

export function message(...fields: WireField[]): WireMessage {
  return { fields };
}

/** A path into a tree: the index of a field at each level. */
type Path = number[];

/** Walks down at random: stops at a field with probability `stop` per level, or at a leaf. */
function randomPath(rng: Rng, msg: WireMessage, stop = 0.3): Path {
  const path: Path = [];
  let cur = msg;
  for (;;) {
    if (cur.fields.length === 0) return path;
    const i = rng.int(0, cur.fields.length - 1);
    path.push(i);
    const f = cur.fields[i]!;
    if (f.wire !== 2 || !f.message || rng.chance(stop)) return path;
    cur = f.message;
  }
}

/** Messages along a path (root first) and the field at its end. */
function resolve(msg: WireMessage, path: Path): { parents: WireMessage[]; field: WireField | undefined } {
  const parents: WireMessage[] = [msg];
  let cur = msg;
  let field: WireField | undefined;
  for (let d = 0; d < path.length; d++) {
    field = cur.fields[path[d]!];
    if (d < path.length - 1) {
      if (field?.wire !== 2 || !field.message) return { parents, field: undefined };
      cur = field.message;
      parents.push(cur);
    }
  }
  return { parents, field };
}

/** Rebuilds the ancestors of a changed message (the others keep their bytes). */
function replaceAt(root: WireMessage, path: Path, depth: number, fields: WireField[]): WireMessage {
  if (depth === path.length) return { fields };
  const i = path[depth]!;
  const f = root.fields[i] as Extract<WireField, { wire: 2 }>;
  const child = replaceAt(f.message!, path, depth + 1, fields);
  const copy = root.fields.slice();
  copy[i] = { no: f.no, wire: 2, value: f.value, message: child };
  return { fields: copy };
}

/** Replaces the fields of the message at `path` (empty = the root). */
export function withFields(root: WireMessage, path: Path, fields: WireField[]): WireMessage {
  return replaceAt(root, path, 0, fields);
}

/** Every message (with its path) whose field numbers match `pathNumbers` from the root. */
export function findByFieldPath(root: WireMessage, pathNumbers: readonly number[]): { path: Path; field: WireField }[] {
  const out: { path: Path; field: WireField }[] = [];
  const walk = (msg: WireMessage, depth: number, prefix: Path) => {
    msg.fields.forEach((f, i) => {
      if (f.no !== pathNumbers[depth]) return;
      const path = [...prefix, i];
      if (depth === pathNumbers.length - 1) out.push({ path, field: f });
      else if (f.wire === 2 && f.message) walk(f.message, depth + 1, path);
    });
  };
  walk(root, 0, []);
  return out;
}

/** Sets the field at `path` (a field path, ending at the field's index in its parent). */
export function setField(root: WireMessage, path: Path, field: WireField | undefined): WireMessage {
  const parentPath = path.slice(0, -1);
  const { parents } = resolve(root, path);
  const parent = parents[parents.length - 1]!;
  const fields = parent.fields.slice();
  if (field) fields[path[path.length - 1]!] = field;
  else fields.splice(path[path.length - 1]!, 1);
  return withFields(root, parentPath, fields);
}

/** Strings that probe path handling, parsing and sizes. */
const INTERESTING_STRINGS = ['', '../secret.bin', '/etc/hostname', 'sub/../../secret.bin', 'a'.repeat(4096), '\u0000', ':0', 'x:99999'];

function interestingVarint(rng: Rng, old: bigint): bigint {
  return rng.weighted<() => bigint>([
    [6, () => BigInt.asUintN(64, BigInt(rng.pick(INTERESTING_INTS)))],
    [2, () => BigInt.asUintN(64, old + BigInt(rng.int(-3, 3)))],
    [1, () => BigInt.asUintN(64, -BigInt(rng.int(1, 1000)))],
    [1, () => (1n << BigInt(rng.int(0, 63))) - BigInt(rng.int(0, 1))],
  ])();
}

function interestingFixed(rng: Rng, width: number): Uint8Array {
  const b = new Uint8Array(width);
  const dv = new DataView(b.buffer);
  const v = rng.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e38, -1e38, 1e-45, 2 ** 31, 0.5, -1]);
  if (width === 4) dv.setFloat32(0, v, true);
  else if (rng.chance(0.5)) dv.setFloat64(0, v, true);
  else dv.setBigUint64(0, BigInt.asUintN(64, BigInt(rng.pick(INTERESTING_INTS))), true);
  return b;
}

function mutateBytes(rng: Rng, b: Uint8Array): Uint8Array {
  return rng.weighted<() => Uint8Array>([
    [3, () => b.subarray(0, rng.int(0, Math.max(0, b.length - 1)))],
    [2, () => new TextEncoder().encode(rng.pick(INTERESTING_STRINGS))],
    [
      2,
      () => {
        const c = new Uint8Array(b); // a copy even when b is a Buffer view
        for (let k = rng.int(1, 4); k > 0 && c.length; k--) c[rng.int(0, c.length - 1)] = rng.int(0, 255);
        return c;
      },
    ],
    [
      1,
      () => {
        const extra = rng.bytes(rng.int(1, 64));
        const c = new Uint8Array(b.length + extra.length);
        c.set(b);
        c.set(extra, b.length);
        return c;
      },
    ],
  ])();
}

/** Collects up to `limit` sub-messages (for grafting one message's copy into another). */
function someMessages(rng: Rng, root: WireMessage, limit: number): WireMessage[] {
  const found: WireMessage[] = [];
  const walk = (m: WireMessage, depth: number) => {
    for (const f of m.fields) {
      if (found.length >= limit) return;
      if (f.wire === 2 && f.message) {
        if (rng.chance(0.5)) found.push(f.message);
        if (depth < 6) walk(f.message, depth + 1);
      }
    }
  };
  walk(root, 0);
  return found;
}

/** One random field-level mutation: values, lengths, field removal/duplication, re-nesting. */
export function mutateWire(rng: Rng, root: WireMessage): WireMessage {
  const path = randomPath(rng, root);
  if (path.length === 0) return { fields: [pb.varint(rng.int(1, 16), rng.pick(INTERESTING_INTS))] };
  const { parents, field } = resolve(root, path);
  if (!field) return root;
  const parent = parents[parents.length - 1]!;
  const parentPath = path.slice(0, -1);
  const at = path[path.length - 1]!;
  const op = rng.int(0, 9);
  if (op === 0) return setField(root, path, undefined);
  if (op === 1) {
    const fields = parent.fields.slice();
    fields.splice(at, 0, field, ...(rng.chance(0.2) ? [field, field] : []));
    return withFields(root, parentPath, fields);
  }
  if (op === 2 && parent.fields.length > 1) {
    const fields = parent.fields.slice();
    const j = rng.int(0, fields.length - 1);
    [fields[at], fields[j]] = [fields[j]!, fields[at]!];
    return withFields(root, parentPath, fields);
  }
  if (op === 3) {
    // The same number with another wire type: the decoder must not trust the tag blindly.
    const wire = rng.pick([0, 1, 2, 5] as const);
    const replacement: WireField =
      wire === 0
        ? { no: field.no, wire: 0, value: BigInt(rng.pick(INTERESTING_INTS) >>> 0) }
        : wire === 2
          ? { no: field.no, wire: 2, value: rng.bytes(rng.int(0, 12)) }
          : { no: field.no, wire, value: rng.bytes(wire === 1 ? 8 : 4) };
    return setField(root, path, replacement);
  }
  if (op === 4 && field.wire === 2 && field.message) {
    // Graft a copy of some message inside this one: deeper nesting, foreign fields.
    const donors = someMessages(rng, root, 16);
    if (donors.length) {
      const donor = rng.pick(donors);
      const fields = [...field.message.fields, pb.msg(rng.pick(field.message.fields.map((f) => f.no).concat([field.no])), ...donor.fields)];
      return withFields(root, path, fields);
    }
  }
  if (field.wire === 0) return setField(root, path, { no: field.no, wire: 0, value: interestingVarint(rng, field.value) });
  if (field.wire === 1 || field.wire === 5)
    return setField(root, path, { no: field.no, wire: field.wire, value: interestingFixed(rng, field.wire === 1 ? 8 : 4) });
  if (field.message && rng.chance(0.5)) {
    const inner = mutateWire(rng, field.message);
    return withFields(root, path, inner.fields.slice());
  }
  return setField(root, path, { no: field.no, wire: 2, value: mutateBytes(rng, field.value) });
}
