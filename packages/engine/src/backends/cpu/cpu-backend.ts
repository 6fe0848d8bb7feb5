/**
 * The CPU backend: the staged runner over kiln_cpu.node's programs (the reference kernels where
 * it is not loaded), in a worker thread when the built worker script is found (worker-script.ts),
 * inline otherwise (sources run by vitest or tsx, where there is no compiled worker to start;
 * elsewhere with a loud warning, fallback-warnings.ts). Tactics are timed one op at a time.
 */
import { arch } from 'node:os';
import {
  type AnyLayer,
  check,
  ErrorCode,
  KilnError,
  type Network,
  type Program,
  type ProgramOp,
  type ResourceLimits,
} from '@kiln-inference/core';
import { builtinPlugins, type Kernel, type PluginModule, pluginKernelMap, pluginKey } from '@kiln-inference/cpu-runtime';
import type { BackendRunner, ExecutionMode } from '../../backend.js';
import { TACTIC_OPS } from '../../lowering/compile-stage.js';
import type { ProgramSupport } from '../../lowering/program-support.js';
import type { DeviceInfo, PlanPrecision, PluginRef } from '../../plan/manifest.js';
import type { Plan } from '../../plan/plan.js';
import type { ProgramBackend, ProgramRunner, TacticCandidate, TacticTiming } from '../../program-backend.js';
import { warnIfMainThread, warnIfReferenceKernels } from '../fallback-warnings.js';
import { InlineRunner } from '../inline-runner.js';
import type { StartWorker } from '../worker-pool.js';
import { WorkerRunner } from '../worker-runner.js';
import { locateWorkerScript, type WorkerScript } from '../worker-script.js';
import { startWorkerThread } from '../worker-thread.js';
import { cpuTacticCandidates, cpuTacticDevice, timeCpuTactics } from './cpu-tactics.js';
import { type CpuKernels, createPlanExecutor, nativeCpuStages } from './plan-executor.js';

export interface CpuBackendOptions {
  execution?: ExecutionMode;
  /** Extra plugin kernels. Functions cannot cross into a worker, so they force inline execution. */
  plugins?: ReadonlyMap<string, Kernel<'plugin'>>;
  /** Plugin kernels from modules: a worker imports each module by its URL, so these run off the main thread. */
  pluginModules?: readonly PluginModule[];
  /**
   * Starts the execution worker, for hosts that place or load the worker script differently
   * (bundlers, test runners). Defaults to dist/engine-worker.js beside this module.
   */
  startWorker?: StartWorker;
  /** 'native' (default): native kernels where kiln_cpu.node is loaded; 'reference': TypeScript kernels only. */
  kernels?: CpuKernels;
}

export function cpuDevice(): DeviceInfo {
  return { type: 'cpu', arch: arch() };
}

let compiledWorker: { script: WorkerScript; start: StartWorker | undefined } | undefined;

/**
 * Starts the compiled worker script, when one is found. One function for the process: the
 * worker pool hands idle workers to contexts started by the same function.
 */
function defaultWorker(): { script: WorkerScript; start: StartWorker | undefined } {
  if (!compiledWorker) {
    const script = locateWorkerScript();
    compiledWorker = { script, start: script.found ? (workerData) => startWorkerThread(script.url, { workerData }) : undefined };
  }
  return compiledWorker;
}

export class CpuBackend implements ProgramBackend {
  readonly name = 'cpu' as const;
  readonly precisions: readonly PlanPrecision[] = ['fp32'];
  /** CPU plans carry no device-specific tactics that fail elsewhere: they load on any CPU. */
  readonly deviceSpecificPlans = false;
  private readonly execution: ExecutionMode;
  private readonly plugins: ReadonlyMap<string, Kernel<'plugin'>>;
  private readonly pluginModules: readonly PluginModule[];
  private readonly startWorker: StartWorker | undefined;
  private readonly kernels: CpuKernels;

  constructor(options: CpuBackendOptions = {}) {
    this.kernels = options.kernels ?? 'native';
    this.execution = options.execution ?? 'auto';
    this.plugins = options.plugins ?? new Map();
    this.pluginModules = options.pluginModules ?? [];
    this.startWorker = options.startWorker ?? defaultWorker().start;
  }

  device(): DeviceInfo {
    return cpuDevice();
  }

  hasPlugin(ref: PluginRef): boolean {
    const key = pluginKey(ref.namespace, ref.name, ref.version);
    return builtinPlugins.has(key) || this.plugins.has(key) || this.pluginModules.some((m) => m.kernels.has(key));
  }

  support(layer: AnyLayer, network: Network, isConstant: (tensor: string) => boolean): ProgramSupport {
    return nativeCpuStages.support(layer, network, isConstant);
  }

  tacticDevice(): string | undefined {
    return cpuTacticDevice();
  }

  tunable(op: ProgramOp): boolean {
    return TACTIC_OPS.has(op.op);
  }

  async tacticCandidates(program: Program, ops: readonly number[]): Promise<TacticCandidate[]> {
    return cpuTacticCandidates(program, ops);
  }

  time(program: Program, candidates: readonly TacticCandidate[]): Promise<TacticTiming[]> {
    return timeCpuTactics(program, candidates);
  }

  createProgram(program: Program, limits?: ResourceLimits): ProgramRunner | Promise<ProgramRunner> {
    return nativeCpuStages.createProgram(program, limits);
  }

  createRunner(plan: Plan, planBytes: () => Uint8Array, limits?: ResourceLimits): BackendRunner {
    const start = this.plugins.size === 0 && this.execution !== 'inline' ? this.startWorker : undefined;
    if (this.execution === 'worker') {
      check(this.plugins.size === 0, ErrorCode.INVALID_ARGUMENT, 'custom plugin kernels cannot run in a worker thread', {
        hint: "use execution: 'inline' (or 'auto') with plugins passed as functions",
      });
      if (!start) {
        throw new KilnError(ErrorCode.NATIVE_UNAVAILABLE, 'the engine worker script is not available (running from sources?)', {
          hint: "build @kiln-inference/engine (pnpm --filter @kiln-inference/engine build) or use execution: 'auto'",
        });
      }
    }
    if (this.kernels === 'native') warnIfReferenceKernels();
    if (!start && this.execution === 'auto' && this.plugins.size === 0) warnIfMainThread(defaultWorker().script);
    if (start)
      return new WorkerRunner(
        start,
        planBytes(),
        this.kernels,
        limits,
        this.pluginModules.map((m) => m.url),
      );
    const plugins = pluginKernelMap(this.pluginModules, this.plugins);
    return new InlineRunner(createPlanExecutor(plan, { kernels: this.kernels, plugins, ...(limits ? { limits } : {}) }));
  }
}
