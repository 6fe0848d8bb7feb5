/**
 * What runs a CPU plan, on whichever thread hosts it: the staged runner over native Programs
 * when kiln_cpu.node is loaded (and not turned off), the reference executor otherwise.
 * The same choice is made in the calling thread (inline contexts) and in worker threads.
 */
import { type Network, type ResourceLimits, withResourceLimits } from '@kiln-inference/core';
import { type Kernel, loadCpuNative, NativeProgram, ReferenceExecutor, type RuntimeValue } from '@kiln-inference/cpu-runtime';
import { programSupport } from '../../lowering/program-support.js';
import type { Plan } from '../../plan/plan.js';
import { planTacticOptions } from '../../tactics/plan-tactics.js';
import { type StageBackend, StagedRunner } from '../staged-runner.js';

/** Which kernels a CPU context uses: native where they exist ('native', the default) or only the reference ones. */
export type CpuKernels = 'native' | 'reference';

export interface PlanExecutor {
  /** 'native' when the staged runner runs the plan. */
  readonly kernels: CpuKernels;
  runValues(feeds: ReadonlyMap<string, RuntimeValue>): Promise<Map<string, RuntimeValue>>;
  dispose(): Promise<void>;
}

export interface PlanExecutorOptions {
  kernels?: CpuKernels;
  plugins?: Map<string, Kernel<'plugin'>>;
  /** Limits for this executor's synchronous sections (inline contexts); default: the thread's. */
  limits?: ResourceLimits;
}

/** kiln_cpu.node's programs, for the staged runner (worker threads have no CpuBackend of their own). */
export const nativeCpuStages: StageBackend = {
  support: (layer, network, isConstant) => programSupport(layer, network, isConstant, 'cpu'),
  createProgram: (program, limits) => NativeProgram.create(program, limits),
};

export function createPlanExecutor(plan: Pick<Plan, 'network' | 'tactics'>, options: PlanExecutorOptions = {}): PlanExecutor {
  const network: Network = plan.network;
  const native = options.kernels !== 'reference' ? loadCpuNative() : undefined;
  if (native?.ok) {
    const staged = new StagedRunner(network, {
      backend: nativeCpuStages,
      ...planTacticOptions(plan),
      ...(options.plugins ? { plugins: options.plugins } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
    return { kernels: 'native', runValues: (feeds) => staged.runValues(feeds), dispose: () => staged.dispose() };
  }
  const reference = new ReferenceExecutor(options.plugins ? { plugins: options.plugins } : {});
  return {
    kernels: 'reference',
    runValues: async (feeds) => withResourceLimits(options.limits, () => reference.runValues(network, new Map(feeds))),
    dispose: async () => {},
  };
}
