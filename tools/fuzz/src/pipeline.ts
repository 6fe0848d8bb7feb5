/**
 * The back half every model target shares: Network → CPU plan → engine → one run with random
 * feeds of the declared shapes, under the fuzzer's small resource limits.
 */
import { type DType, type Network, type ResourceLimits, resourceLimits, type Shape, Tensor } from '@kiln-inference/core';
import { buildPlan, Engine } from '@kiln-inference/engine';
import type { Rng } from './prng.js';

/** Small limits: a hostile case must be refused long before it can exhaust the worker. */
export const FUZZ_LIMITS: ResourceLimits = resourceLimits({
  maxTensorBytes: 64 * 2 ** 20,
  maxTensorElements: 16 * 2 ** 20,
  maxModelBytes: 256 * 2 ** 20,
  maxLoopIterations: 10_000,
  maxNodeOutputs: 4096,
  maxNodes: 100_000,
});

/**
 * Options objects carry `limits` for the APIs that take it; typed loosely because importers and
 * sessions are gaining the option while this fuzzer runs against them.
 */
export function withLimits<T extends object>(options: T): T {
  return { ...options, limits: FUZZ_LIMITS } as T;
}

/** A random tensor of `dtype` and `shape`; symbolic dims become 1 (rarely 0 or 2). */
export function randomFeed(rng: Rng, dtype: DType, shape: Shape | null): Tensor {
  const dims = (shape ?? [1]).map((d) =>
    typeof d === 'number' && d >= 0
      ? d
      : rng.weighted([
          [90, 1],
          [6, 2],
          [4, 0],
        ] as const),
  );
  let size = 1;
  for (const d of dims) size *= d;
  if (size > 1 << 22) return Tensor.zeros(dtype, dims);
  const values: (number | boolean | bigint | string)[] = [];
  for (let i = 0; i < size; i++) {
    const v = rng.next() * 4 - 2;
    if (dtype === 'bool') values.push(v > 0);
    else if (dtype === 'string') values.push(String(v));
    else if (dtype === 'int64' || dtype === 'uint64') values.push(BigInt(Math.floor(Math.abs(v))));
    else if (/int/.test(dtype)) values.push(Math.floor(Math.abs(v)));
    else values.push(v);
  }
  return Tensor.fromValues(dtype, dims, values);
}

/** Builds a CPU plan, loads it inline and runs it once. */
export async function buildAndRun(network: Network, rng: Rng): Promise<void> {
  const plan = await buildPlan(network, withLimits({ backend: 'cpu' as const, tune: false }));
  await runPlan(plan, rng);
}

export async function runPlan(planOrBytes: Parameters<typeof Engine.create>[0], rng: Rng): Promise<void> {
  const engine = await Engine.create(planOrBytes, withLimits({ execution: 'inline' as const }));
  const context = await engine.createExecutionContext();
  try {
    const feeds: Record<string, Tensor> = {};
    for (const input of engine.inputs) feeds[input.name] = randomFeed(rng, input.dtype, input.shape);
    await context.run(feeds);
  } finally {
    await context.dispose();
  }
}
