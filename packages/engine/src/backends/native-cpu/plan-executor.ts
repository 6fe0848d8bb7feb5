/**
 * What runs a CPU plan, on whichever thread hosts it: the staged executor over native
 * Programs when kiln_cpu.node is loaded (and not turned off), the reference executor otherwise.
 * The same choice is made in the calling thread (inline contexts) and in worker threads.
 */
import { type Network, type ResourceLimits, withResourceLimits } from '@kiln-inference/core';
import { type Kernel, loadCpuNative, NativeProgram, ReferenceExecutor, type RuntimeValue } from '@kiln-inference/cpu-runtime';
import type { Plan } from '../../plan/plan.js';
import { StagedExecutor } from './staged-executor.js';

/** Which kernels a CPU context uses: native where they exist ('native', the default) or only the reference ones. */
export type CpuKernels = 'native' | 'reference';

export interface PlanExecutor {
  /** 'native' when the staged native executor runs the plan. */
  readonly kernels: CpuKernels;
  runValues(feeds: ReadonlyMap<string, RuntimeValue>): Promise<Map<string, RuntimeValue>>;
  dispose(): void;
}

export interface PlanExecutorOptions {
  kernels?: CpuKernels;
  plugins?: Map<string, Kernel<'plugin'>>;
  /** Limits for this executor's synchronous sections (inline contexts); default: the thread's. */
  limits?: ResourceLimits;
}

/** The tactic each layer was built with (the plan's tactics section), by layer name. */
export function planTactics(plan: Pick<Plan, 'tactics'>): Map<string, string> {
  return new Map(Object.entries(plan.tactics?.choices ?? {}).map(([layer, choice]) => [layer, choice.tactic]));
}

/** The plan's tactics with the input shapes they were timed for, as compile options. */
export function planTacticOptions(plan: Pick<Plan, 'tactics'>): { tactics: Map<string, string>; tacticShapes?: Map<string, number[]> } {
  const shapes = plan.tactics?.inputShapes;
  return { tactics: planTactics(plan), ...(shapes ? { tacticShapes: new Map(Object.entries(shapes)) } : {}) };
}

export function createPlanExecutor(plan: Pick<Plan, 'network' | 'tactics'>, options: PlanExecutorOptions = {}): PlanExecutor {
  const network: Network = plan.network;
  const native = options.kernels !== 'reference' ? loadCpuNative() : undefined;
  if (native?.ok) {
    const staged = new StagedExecutor(network, {
      createProgram: (program) => NativeProgram.create(program),
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
    dispose: () => {},
  };
}
