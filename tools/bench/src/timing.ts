/** Timing helpers: medians of alternating runs, so both contenders see the same machine state. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function timeOnce(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export interface AlternatingResult {
  a: number[];
  b: number[];
}

/**
 * Idle time before each timed run. Thread pools keep spinning for a while after a run
 * (onnxruntime's by default, kiln's for 300 µs); without a pause the next contender would
 * start on cores still busy with the previous one's spinning threads.
 */
export const SETTLE_MS = 50;

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

/**
 * Warms both up, then alternates a, b, a, b… for `iterations` rounds (b first on odd rounds
 * so neither always runs on a cache the other just warmed), each timed run after SETTLE_MS idle.
 */
export async function alternate(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  iterations: number,
  warmup: number,
): Promise<AlternatingResult> {
  const timed = async (fn: () => Promise<unknown>) => {
    await settle();
    return timeOnce(fn);
  };
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const result: AlternatingResult = { a: [], b: [] };
  for (let i = 0; i < iterations; i++) {
    if (i % 2 === 0) {
      result.a.push(await timed(a));
      result.b.push(await timed(b));
    } else {
      result.b.push(await timed(b));
      result.a.push(await timed(a));
    }
  }
  return result;
}
