/**
 * Which ProgramBackends exist in this process, by name. Builds and engines take a registry
 * explicitly (BuildOptions.backends, EngineOptions.backends) and default to `defaultBackends`:
 * the engine registers its CPU backend there, and the umbrella package adds CUDA, whose module
 * loads the CUDA binding only when a CUDA backend is created. A CPU-only program never loads it.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { Kernel, PluginModule } from '@kiln-inference/cpu-runtime';
import type { ExecutionMode } from '../backend.js';
import type { BackendName, PlanPrecision } from '../plan/manifest.js';
import type { ProgramBackend } from '../program-backend.js';
import { CpuBackend } from './cpu/cpu-backend.js';
import type { CpuKernels } from './cpu/plan-executor.js';
import type { StartWorker } from './worker-pool.js';

/** What a build or an engine asks of a backend; each backend reads the settings that apply to it. */
export interface BackendSettings {
  /** The plan's precision (CUDA: fp32, tf32 or fp16). */
  precision?: PlanPrecision;
  /** CUDA: the device index (default 0). */
  device?: number;
  /** CPU: worker thread, calling thread, or worker when available ('auto'). */
  execution?: ExecutionMode;
  /** CPU: extra plugin kernels keyed by pluginKey(namespace, name, version). */
  plugins?: ReadonlyMap<string, Kernel<'plugin'>>;
  /** CPU: plugin kernels from modules, which worker threads import by URL. */
  pluginModules?: readonly PluginModule[];
  /** CPU: how to start the execution worker. */
  startWorker?: StartWorker;
  /** CPU: 'native' kernels where kiln_cpu.node is built (default), or 'reference' only. */
  kernels?: CpuKernels;
}

export type BackendFactory = (settings: BackendSettings) => ProgramBackend;

/** Every backend name a plan may record. */
const PLAN_BACKENDS: readonly BackendName[] = ['cpu', 'cuda'];

export class BackendRegistry {
  private readonly factories = new Map<BackendName, BackendFactory>();

  /** Adds (or replaces) the backend of that name. */
  register(name: BackendName, factory: BackendFactory): this {
    if (!PLAN_BACKENDS.includes(name)) {
      throw new KilnError(
        ErrorCode.INVALID_ARGUMENT,
        `cannot register backend '${String(name)}': plans name only ${PLAN_BACKENDS.join(', ')}`,
        {
          hint: `register one of: ${PLAN_BACKENDS.join(', ')}`,
        },
      );
    }
    this.factories.set(name, factory);
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name as BackendName);
  }

  names(): BackendName[] {
    return [...this.factories.keys()];
  }

  /** A backend for `name`; a KilnError says whether the name is unknown or its package is not wired in. */
  create(name: string, settings: BackendSettings = {}): ProgramBackend {
    const factory = this.factories.get(name as BackendName);
    if (factory) return factory(settings);
    if (!PLAN_BACKENDS.includes(name as BackendName)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `backend '${name}' does not exist`, {
        hint: `use backend: ${PLAN_BACKENDS.map((b) => `'${b}'`).join(' or ')}`,
      });
    }
    throw new KilnError(ErrorCode.NATIVE_UNAVAILABLE, `the '${name}' backend is not available in this installation`, {
      hint:
        name === 'cuda'
          ? "import kiln-inference (it registers the CUDA backend) or register one: defaultBackends.register('cuda', factory)"
          : `register it: defaultBackends.register('${name}', factory)`,
    });
  }
}

/** The CPU backend with the settings that apply to it. */
export const cpuBackendFactory: BackendFactory = ({ execution, plugins, pluginModules, startWorker, kernels }) =>
  new CpuBackend({
    ...(kernels ? { kernels } : {}),
    ...(execution ? { execution } : {}),
    ...(plugins ? { plugins } : {}),
    ...(pluginModules ? { pluginModules } : {}),
    ...(startWorker ? { startWorker } : {}),
  });

/** The registry builds and engines use unless given one: the CPU backend, plus what the umbrella adds. */
export const defaultBackends = new BackendRegistry().register('cpu', cpuBackendFactory);
