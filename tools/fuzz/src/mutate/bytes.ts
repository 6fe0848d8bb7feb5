/**
 * Byte-level damage for any file: bit flips, overwritten runs, truncation, garbage appended.
 * Copies are made with `new Uint8Array(x)`: a Node Buffer's slice() is a view, and editing it
 * would corrupt the seed every later case starts from.
 */
import { INTERESTING_INTS, type Rng } from '../prng.js';

export function mutateBytes(rng: Rng, input: Uint8Array): Uint8Array {
  if (input.length === 0) return rng.bytes(rng.int(1, 32));
  return rng.weighted<() => Uint8Array>([
    [
      4,
      () => {
        const b = new Uint8Array(input);
        for (let k = rng.int(1, 8); k > 0; k--) b[rng.int(0, b.length - 1)]! ^= 1 << rng.int(0, 7);
        return b;
      },
    ],
    [
      2,
      () => {
        // A little-endian u32 of an interesting size written over any position.
        const b = new Uint8Array(input);
        const at = rng.int(0, Math.max(0, b.length - 4));
        const v = rng.pick(INTERESTING_INTS) >>> 0;
        for (let k = 0; k < 4 && at + k < b.length; k++) b[at + k] = (v >>> (8 * k)) & 0xff;
        return b;
      },
    ],
    [3, () => input.subarray(0, rng.int(0, input.length - 1))],
    [
      1,
      () => {
        const extra = rng.bytes(rng.int(1, 256));
        const b = new Uint8Array(input.length + extra.length);
        b.set(input);
        b.set(extra, input.length);
        return b;
      },
    ],
    [
      1,
      () => {
        // A run of the file repeated elsewhere: plausible structure in the wrong place.
        const b = new Uint8Array(input);
        const len = rng.int(1, Math.min(64, b.length));
        const from = rng.int(0, b.length - len);
        b.copyWithin(rng.int(0, b.length - len), from, from + len);
        return b;
      },
    ],
  ])();
}
