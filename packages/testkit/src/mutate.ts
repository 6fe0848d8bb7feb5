/** Seeded mutations of real model files for bounded fuzz tests. */
import { isKilnError } from '@kiln-inference/core';
import { mulberry32 } from './random.js';

export type Mutation = 'flip' | 'truncate' | 'insert' | 'duplicate';

/** One mutated copy of `bytes`: flipped bytes, a truncation, inserted junk or a repeated slice. */
export function mutate(bytes: Uint8Array, rand: () => number, region = bytes.length): { bytes: Uint8Array; mutation: Mutation } {
  const at = (): number => Math.floor(rand() * Math.min(region, bytes.length));
  const kind = (['flip', 'truncate', 'insert', 'duplicate'] as const)[Math.floor(rand() * 4)]!;
  if (kind === 'truncate') return { bytes: bytes.slice(0, at()), mutation: kind };
  if (kind === 'flip') {
    const out = bytes.slice();
    const n = 1 + Math.floor(rand() * 8);
    for (let i = 0; i < n; i++) out[at()] = Math.floor(rand() * 256);
    return { bytes: out, mutation: kind };
  }
  const pos = at();
  const insert =
    kind === 'insert'
      ? Uint8Array.from({ length: 1 + Math.floor(rand() * 16) }, () => Math.floor(rand() * 256))
      : bytes.slice(pos, pos + 1 + Math.floor(rand() * 64));
  const out = new Uint8Array(bytes.length + insert.length);
  out.set(bytes.subarray(0, pos));
  out.set(insert, pos);
  out.set(bytes.subarray(pos), pos + insert.length);
  return { bytes: out, mutation: kind };
}

/**
 * Runs `parse` on `count` mutations; each must succeed or throw a KilnError. Returns how many
 * were rejected, so the test can show the mutations did bite.
 */
export async function fuzz(
  bytes: Uint8Array,
  seed: number,
  count: number,
  parse: (b: Uint8Array) => unknown,
  region?: number,
): Promise<number> {
  const rand = mulberry32(seed);
  let rejected = 0;
  for (let i = 0; i < count; i++) {
    const { bytes: mutated, mutation } = mutate(bytes, rand, region);
    try {
      await parse(mutated);
    } catch (e) {
      if (!isKilnError(e)) throw new Error(`mutation ${i} (${mutation}, seed ${seed}) raised a non-KilnError: ${String(e)}`, { cause: e });
      rejected++;
    }
  }
  return rejected;
}
