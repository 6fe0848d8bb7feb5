/**
 * JSON-value mutations for model.json, plan sections and Programs: retype a value, push numbers
 * to sizes and non-integers, drop or duplicate keys and elements, nest deeply. Each mutation
 * reports the key it touched so a target can tell whether the result is invalid by construction.
 */
import { INTERESTING_NUMBERS, type Rng } from '../prng.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface JsonMutation {
  value: Json;
  /** Object keys from the root to the mutated value (array indices as numbers). */
  path: (string | number)[];
  /** What was done: 'number' (a number changed), 'retype', 'remove', 'duplicate', 'nest', 'string'. */
  kind: 'number' | 'retype' | 'remove' | 'duplicate' | 'nest' | 'string';
  /** The new value at `path` (absent for 'remove'). */
  replacement?: Json;
}

function children(v: Json): (string | number)[] {
  if (Array.isArray(v)) return v.map((_, i) => i);
  if (v && typeof v === 'object') return Object.keys(v);
  return [];
}

function get(v: Json, k: string | number): Json {
  return (v as Record<string | number, Json>)[k]!;
}

/** Picks a random path, preferring leaves, optionally restricted to paths that pass `filter`. */
export function randomJsonPath(rng: Rng, root: Json, stop = 0.15): (string | number)[] {
  const path: (string | number)[] = [];
  let cur = root;
  for (;;) {
    const keys = children(cur);
    if (keys.length === 0 || (path.length > 0 && rng.chance(stop))) return path;
    const k = rng.pick(keys);
    path.push(k);
    cur = get(cur, k);
  }
}

export function getAt(root: Json, path: readonly (string | number)[]): Json {
  let cur = root;
  for (const k of path) cur = get(cur, k);
  return cur;
}

/** A copy of root with the value at `path` replaced (or removed when `value` is undefined). */
export function setAt(root: Json, path: readonly (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const [k, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = root.slice();
    if (rest.length === 0 && value === undefined) copy.splice(k as number, 1);
    else copy[k as number] = setAt(root[k as number]!, rest, value);
    return copy;
  }
  const copy = { ...(root as Record<string, Json>) };
  if (rest.length === 0 && value === undefined) delete copy[k as string];
  else copy[k as string] = setAt(copy[k as string]!, rest, value);
  return copy;
}

export function interestingNumber(rng: Rng, old: number | undefined): number {
  return rng.weighted<() => number>([
    [6, () => rng.pick(INTERESTING_NUMBERS)],
    [2, () => (old ?? 0) + rng.pick([-1, 1, 0.5, -0.5])],
    [1, () => (old ?? 1) * rng.pick([-1, 1000, 2 ** 20])],
  ])();
}

function otherType(rng: Rng, old: Json): Json {
  const options: Json[] = [null, true, 0, '1', 'NaN', [], {}, [old], { value: old }];
  return rng.pick(options.filter((o) => typeof o !== typeof old || Array.isArray(o) !== Array.isArray(old)));
}

/** Mutates one value somewhere in `root` (never in place). */
export function mutateJson(rng: Rng, root: Json, path = randomJsonPath(rng, root)): JsonMutation {
  const old = getAt(root, path);
  const kind = rng.weighted<JsonMutation['kind']>([
    [typeof old === 'number' ? 8 : 1, 'number'],
    [3, 'retype'],
    [path.length > 0 ? 2 : 0, 'remove'],
    [Array.isArray(old) || (path.length > 0 && Array.isArray(getAt(root, path.slice(0, -1)))) ? 2 : 0, 'duplicate'],
    [1, 'nest'],
    [typeof old === 'string' ? 4 : 0.5, 'string'],
  ]);
  let replacement: Json | undefined;
  switch (kind) {
    case 'number':
      replacement = interestingNumber(rng, typeof old === 'number' ? old : undefined);
      break;
    case 'retype':
      replacement = otherType(rng, old);
      break;
    case 'remove':
      replacement = undefined;
      break;
    case 'duplicate':
      replacement = Array.isArray(old) ? [...old, ...old.slice(0, rng.int(1, 3))] : old;
      if (!Array.isArray(old)) {
        const parentPath = path.slice(0, -1);
        const parent = getAt(root, parentPath) as Json[];
        return { value: setAt(root, parentPath, [...parent, old]), path: parentPath, kind, replacement: [...parent, old] };
      }
      break;
    case 'nest': {
      let v: Json = old;
      for (let d = rng.int(2, 200); d > 0; d--) v = rng.chance(0.5) ? [v] : { value: v };
      replacement = v;
      break;
    }
    case 'string':
      replacement = rng.pick(['', '../secret.bin', '/etc/hostname', 'x'.repeat(rng.int(1, 70000)), '-1', '1e309', 'float33', String(old)]);
      break;
  }
  return { value: setAt(root, path, replacement), path, kind, ...(replacement !== undefined ? { replacement } : {}) };
}
