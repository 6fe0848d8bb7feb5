/**
 * Reproducers: each distinct bad outcome is saved once, as the case's files plus case.json
 * (target, seed, index, what was done, the result), so `pnpm fuzz --replay <dir>` runs it again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type CaseResult, dedupeKey, type FuzzCase } from './fuzz-case.js';

export interface Finding {
  key: string;
  target: string;
  dir: string;
  result: CaseResult;
  count: number;
  firstIndex: number;
}

/** Files are stored under files/, with '../' climbs spelled '_up_/' so they stay inside. */
function storedName(name: string): string {
  return name.replace(/\.\.(?=\/|$)/g, '_up_');
}

export function saveFinding(root: string, c: FuzzCase, result: CaseResult): string {
  const key = dedupeKey(c.target, result);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 10);
  const dir = join(root, c.target, `${result.outcome}-${hash}`);
  if (existsSync(join(dir, 'case.json'))) return dir;
  mkdirSync(join(dir, 'files'), { recursive: true });
  for (const [name, bytes] of Object.entries(c.files)) {
    const path = join(dir, 'files', storedName(name));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  const json = {
    target: c.target,
    seed: c.seed,
    index: c.index,
    note: c.note,
    ...(c.invalid ? { invalid: c.invalid } : {}),
    files: Object.keys(c.files),
    ...(c.meta !== undefined ? { meta: c.meta } : {}),
    result,
    key,
  };
  writeFileSync(join(dir, 'case.json'), `${JSON.stringify(json, metaReplacer, 2)}\n`);
  return dir;
}

/** Reads a saved reproducer back into a case. */
export function loadFinding(dir: string): FuzzCase {
  const json = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'), metaReviver) as FuzzCase & { files: string[] };
  const files: Record<string, Uint8Array> = {};
  for (const name of json.files) files[name] = new Uint8Array(readFileSync(join(dir, 'files', storedName(name))));
  return {
    target: json.target,
    seed: json.seed,
    index: json.index,
    files,
    note: json.note,
    ...(json.meta !== undefined ? { meta: json.meta } : {}),
    ...(json.invalid ? { invalid: json.invalid } : {}),
  };
}

/** Every reproducer folder under `root`. */
export function listFindings(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const target of readdirSync(root)) {
    const tdir = join(root, target);
    if (!statSync(tdir).isDirectory()) continue;
    for (const d of readdirSync(tdir)) if (existsSync(join(tdir, d, 'case.json'))) out.push(relative(process.cwd(), join(tdir, d)));
  }
  return out.sort();
}

/** The typed arrays Program and plan cases hold (every Program dtype's array class), by name. */
const TYPED_ARRAYS = { Int32Array, BigInt64Array, Int8Array, Uint8Array } as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

/**
 * JSON cannot hold NaN, ±Infinity, -0, bigints or typed arrays, which Program and plan cases use
 * on purpose: each is written as a one-key object the reviver turns back.
 */
export function metaReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0)))
    return { $number: String(Object.is(value, -0) ? '-0' : value) };
  if (typeof value === 'bigint') return { $bigint: String(value) };
  if (value instanceof Float32Array) return { $float32: Array.from(value, (v) => (Number.isFinite(v) ? v : String(v))) };
  for (const [name, type] of Object.entries(TYPED_ARRAYS)) {
    if (value instanceof type)
      return { [`$${name}`]: Array.from(value as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? String(v) : v)) };
  }
  return value;
}

export function metaReviver(_key: string, value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length !== 1) return value;
  const [key, inner] = Object.entries(value)[0]!;
  if (key === '$number') return Number(inner as string);
  if (key === '$bigint') return BigInt(inner as string);
  if (key === '$float32') return Float32Array.from(inner as (number | string)[], Number);
  const name = key.slice(1) as TypedArrayName;
  if (key.startsWith('$') && name in TYPED_ARRAYS) {
    const items = inner as (number | string)[];
    return name === 'BigInt64Array' ? BigInt64Array.from(items, (v) => BigInt(v)) : TYPED_ARRAYS[name].from(items as number[]);
  }
  return value;
}
