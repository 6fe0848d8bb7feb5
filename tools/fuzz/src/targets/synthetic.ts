/**
 * A target whose cases end in a chosen way (segfault, hang, memory growth, KilnError, TypeError,
 * success), so
 * the supervisor's classification is tested against real process deaths. Not in the default
 * run; `--targets synthetic` runs it on purpose.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { FuzzCase } from '../fuzz-case.js';
import type { Rng } from '../prng.js';
import type { GeneratedCase, Target } from '../target.js';

const KINDS = ['segv', 'hang', 'kiln', 'type', 'ok', 'grow'] as const;

export const syntheticTarget: Target = {
  name: 'synthetic',
  async generate(rng: Rng): Promise<GeneratedCase> {
    const kind = rng.pick(KINDS);
    return { files: {}, meta: { kind }, note: kind };
  },
  async execute(c: FuzzCase): Promise<void> {
    const kind = (c.meta as { kind: string }).kind;
    switch (kind) {
      case 'segv':
        process.kill(process.pid, 'SIGSEGV');
        await new Promise((r) => setTimeout(r, 5000));
        return;
      case 'hang':
        for (;;) {
          // Spins without yielding, as a runaway kernel loop would.
        }
      case 'grow': {
        // Touched native memory (not V8 heap), as an unbounded allocation in an addon would be.
        const held: Buffer[] = [];
        for (let i = 0; i < 64; i++) {
          held.push(Buffer.alloc(64 * 2 ** 20, 1));
          await new Promise((r) => setTimeout(r, 20));
        }
        return;
      }
      case 'kiln':
        throw new KilnError(ErrorCode.INVALID_MODEL, 'synthetic rejection');
      case 'type':
        throw new TypeError('synthetic internal error');
      default:
        return;
    }
  },
};
