/**
 * A seeded PRNG (mulberry32) with the picks the generators need. Every case is a pure function
 * of (target, seed, index), so a finding replays from its seed alone and runs are comparable.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A generator for case `index` of `target` under run seed `seed`, independent of the others. */
  static forCase(seed: number, target: string, index: number): Rng {
    let h = 2166136261 ^ (seed >>> 0);
    for (const ch of `${target}#${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
    return new Rng(h ^ Math.imul(index, 0x9e3779b1));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: [[weight, value], …]. */
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    const total = entries.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of entries) {
      r -= w;
      if (r < 0) return v;
    }
    return entries[entries.length - 1]![1];
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

/** Integers that break size arithmetic: zero, signs, powers of two and their neighbours, 2^53. */
export const INTERESTING_INTS: readonly number[] = [
  0,
  1,
  -1,
  2,
  3,
  7,
  255,
  256,
  65535,
  65536,
  123456789,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53,
  -(2 ** 53),
];

/** Numbers for JSON and float fields: the integers above plus non-integers and extremes. */
export const INTERESTING_NUMBERS: readonly number[] = [...INTERESTING_INTS, 0.5, -0.5, 1.5, 1e308, -1e308, 5e-324, 3.4e38];
