/**
 * The builder's memory-plan step. By default a network that cannot be planned statically (a
 * dynamic dim, a string or sequence tensor) still builds, without a memory plan, since the
 * reference backend sizes tensors at run time; the skip is reported as a progress event. When
 * the caller passes memory options, the plan is required and planning errors are thrown.
 */
import { ErrorCode, emitProgress, isKilnError, type Network, type ProgressListener } from '@kiln-inference/core';
import type { MemoryPlan, PlanMemoryOptions } from './memory-plan.js';
import { planMemory } from './plan-memory.js';

const MiB = 1024 * 1024;

export function buildMemoryPlan(
  network: Network,
  options: PlanMemoryOptions | false | undefined,
  onProgress?: ProgressListener,
  /** Throw planning errors instead of building without a plan (default: when options are given). */
  required = options !== undefined,
): MemoryPlan | undefined {
  if (options === false) return undefined;
  let plan: MemoryPlan;
  try {
    plan = planMemory(network, options);
  } catch (e) {
    const notStatic = isKilnError(e, ErrorCode.INVALID_SHAPE) || isKilnError(e, ErrorCode.UNSUPPORTED_DTYPE);
    if (required || !notStatic) throw e;
    emitProgress(onProgress, { phase: 'memory', message: `no memory plan: ${(e as Error).message}` });
    return undefined;
  }
  const ratio = plan.sumBytes > 0 ? ` (${((100 * plan.arenaBytes) / plan.sumBytes).toFixed(1)}%)` : '';
  emitProgress(onProgress, {
    phase: 'memory',
    message: `arena ${(plan.arenaBytes / MiB).toFixed(2)} MiB for ${(plan.sumBytes / MiB).toFixed(2)} MiB of activations${ratio}`,
  });
  return plan;
}
