/**
 * The CPU backend: the reference executor, in a worker thread when the built worker script is
 * found (worker-script.ts), inline otherwise (sources run by vitest or tsx, where there is no
 * compiled worker to start; elsewhere with a loud warning, fallback-warnings.ts).
 */
import { arch } from 'node:os';
import { check, ErrorCode, KilnError, type ResourceLimits } from '@kiln-inference/core';
import { builtinPlugins, type Kernel, type PluginModule, pluginKernelMap, pluginKey } from '@kiln-inference/cpu-runtime';
import type { Backend, BackendRunner, ExecutionMode } from '../backend.js';
import type { DeviceInfo, PluginRef } from '../plan/manifest.js';
import type { Plan } from '../plan/plan.js';
import { warnIfMainThread, warnIfReferenceKernels } from './fallback-warnings.js';
import { InlineRunner } from './inline-runner.js';
import { type CpuKernels, createPlanExecutor } from './native-cpu/plan-executor.js';
import type { StartWorker } from './worker-pool.js';
import { WorkerRunner } from './worker-runner.js';
import { locateWorkerScript, type WorkerScript } from './worker-script.js';
import { startWorkerThread } from './worker-thread.js';

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

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
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
