/**
 * Engine: a loaded plan bound to a ProgramBackend (from the backend registry, or given). Loading
 * checks the plan (corruption, format version, backend, device, plugins) and says what to
 * rebuild when it cannot be used.
 */
import { type DType, ErrorCode, KilnError, type ResourceLimits, resourceLimits, type Shape, type TensorDesc } from '@kiln-inference/core';
import { type BackendRegistry, type BackendSettings, defaultBackends } from './backends/backend-registry.js';
import { ExecutionContext } from './execution-context.js';
import { checkProfileInputs } from './hybrid/optimization-profile.js';
import type { BackendName } from './plan/manifest.js';
import { missingPluginError } from './plan/missing-plugin.js';
import type { Plan } from './plan/plan.js';
import { deserializePlan, serializePlan } from './plan/plan-container.js';
import type { ProgramBackend } from './program-backend.js';

export interface EngineIO {
  name: string;
  dtype: DType;
  shape: Shape | null;
  /** Present for tensor-sequence inputs/outputs (dtype and shape then describe the elements). */
  valueKind?: 'sequence';
}

/** The backend settings (execution, plugins, startWorker, kernels for the CPU; device for CUDA), plus: */
export interface EngineOptions extends Omit<BackendSettings, 'precision'> {
  /** A backend name or instance; defaults to the backend the plan was built for. */
  backend?: BackendName | ProgramBackend;
  /** Where a backend name is looked up (default: defaultBackends, which the umbrella package fills). */
  backends?: BackendRegistry;
  /** Resource limits for every context's runs, over the limits of this thread (see ResourceLimits). */
  limits?: Partial<ResourceLimits>;
}

export interface ExecutionContextOptions {
  /** Resource limits for this context's runs, over the engine's. */
  limits?: Partial<ResourceLimits>;
}

function engineIO(d: TensorDesc): EngineIO {
  return { name: d.name, dtype: d.dtype, shape: d.shape, ...(d.valueKind === 'sequence' ? { valueKind: 'sequence' as const } : {}) };
}

export class Engine {
  readonly inputs: readonly EngineIO[];
  readonly outputs: readonly EngineIO[];
  private bytes: Uint8Array | undefined;

  private constructor(
    readonly plan: Plan,
    private readonly backend: ProgramBackend,
    bytes: Uint8Array | undefined,
    private readonly limits: Partial<ResourceLimits>,
  ) {
    this.bytes = bytes;
    const net = plan.network;
    this.inputs = net.inputs.map((d) => engineIO(d));
    this.outputs = net.outputs.map((name) => engineIO(net.tensor(name)));
  }

  static async create(planOrBytes: Plan | Uint8Array, options: EngineOptions = {}): Promise<Engine> {
    // Checked before the plan is read, so a bad limit is reported as such.
    const limits = options.limits ?? {};
    resourceLimits(limits);
    const bytes = planOrBytes instanceof Uint8Array ? planOrBytes : undefined;
    const plan = bytes ? deserializePlan(bytes) : (planOrBytes as Plan);
    const backend = resolveBackend(plan, options);
    if (plan.manifest.backend !== backend.name) {
      throw new KilnError(
        ErrorCode.PLAN_BACKEND_MISMATCH,
        `the plan was built for the '${plan.manifest.backend}' backend, but this engine runs on '${backend.name}'`,
        {
          hint: `rebuild the plan for this backend: buildPlan(network, { backend: '${backend.name}' })`,
        },
      );
    }
    for (const ref of plan.manifest.plugins) if (!backend.hasPlugin(ref)) throw missingPluginError(ref);
    checkPlanProfile(plan);
    return new Engine(plan, backend, bytes, limits);
  }

  /** The serialized plan (what kiln build writes to disk). */
  serialize(): Uint8Array {
    this.bytes ??= serializePlan(this.plan);
    return this.bytes;
  }

  /** A new context; its limits are this thread's, then the engine's, then `options.limits`. */
  createExecutionContext(options: ExecutionContextOptions = {}): ExecutionContext {
    const limits = resourceLimits({ ...this.limits, ...options.limits });
    const runner = this.backend.createRunner(this.plan, () => this.serialize(), limits);
    return new ExecutionContext(this.plan.network, runner, this.plan.manifest.buildSettings.profile);
  }
}

/** A recorded optimization profile must fit the plan's own inputs, or the plan was tampered with. */
function checkPlanProfile(plan: Plan): void {
  const profile = plan.manifest.buildSettings.profile;
  if (profile === undefined) return;
  try {
    checkProfileInputs(profile, plan.network.inputs);
  } catch (e) {
    throw new KilnError(ErrorCode.PLAN_CORRUPTED, `the plan's optimization profile is malformed: ${(e as Error).message}`, {
      cause: e,
      hint: 'rebuild the plan',
    });
  }
}

/** The backend named by the options, or the one the plan was built for. */
function resolveBackend(plan: Plan, options: EngineOptions): ProgramBackend {
  const b = options.backend ?? plan.manifest.backend;
  if (typeof b !== 'string') return b;
  const { execution, plugins, pluginModules, startWorker, kernels, device } = options;
  const backend = (options.backends ?? defaultBackends).create(b, {
    precision: plan.manifest.buildSettings.precision,
    ...(device !== undefined ? { device } : {}),
    ...(kernels ? { kernels } : {}),
    ...(execution ? { execution } : {}),
    ...(plugins ? { plugins } : {}),
    ...(pluginModules ? { pluginModules } : {}),
    ...(startWorker ? { startWorker } : {}),
  });
  if (backend.deviceSpecificPlans) checkDevice(plan, backend);
  return backend;
}

/** A device-specific plan runs only on the GPU model and compute capability it was built and tuned for. */
function checkDevice(plan: Plan, backend: ProgramBackend): void {
  const built = plan.manifest.device;
  const here = backend.device();
  if (built.type !== here.type || built.arch !== here.arch) {
    throw new KilnError(
      ErrorCode.PLAN_DEVICE_MISMATCH,
      `the plan was built for ${built.type} (compute ${built.arch}), but this device is ${here.type} (compute ${here.arch})`,
      { hint: "rebuild the plan on this machine: buildPlan(network, { backend: 'cuda' })" },
    );
  }
}
