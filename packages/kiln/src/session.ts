/**
 * InferenceSession: the onnxruntime-style facade. `create()` parses, converts and builds;
 * `run()` executes off the JS thread and resolves with named outputs.
 */
import { nodeResourceLimits, type Tensor } from '@kiln/core';
import {
  type BuildOptions,
  buildPlan,
  deserializePlan,
  Engine,
  type EngineIO,
  type EngineOptions,
  type ExecutionContext,
  type Plan,
  type RunOptions,
} from '@kiln/engine';
import { type LoadModelOptions, loadModel, readModelBytes, toNetwork } from './load-model.js';
import { detectModelFormat } from './model-format.js';

export interface SessionOptions extends LoadModelOptions {
  /** 'cpu' (default) or 'cuda' (plans built for this machine's GPU). */
  backend?: 'cpu' | 'cuda';
  /** CPU backend: run in a worker thread (default when available) or on the calling thread. */
  execution?: EngineOptions['execution'];
  /** CPU backend: 'native' kernels where kiln_cpu.node is built (default) or 'reference' only. */
  kernels?: EngineOptions['kernels'];
  /**
   * Builder settings when a model (not a plan) is given. Tuning defaults to off here, on in
   * `kiln build`; `profile` (min/opt/max per input, as `kiln build --shapes`) bounds the shapes
   * the session accepts and is where tactics are timed.
   */
  build?: Omit<BuildOptions, 'backend'>;
}

export class InferenceSession {
  private constructor(
    readonly engine: Engine,
    private readonly context: ExecutionContext,
  ) {}

  /** Accepts a model path (any supported format) or a built plan (path or bytes). */
  static async create(model: string | Uint8Array, options: SessionOptions = {}): Promise<InferenceSession> {
    const engine = await Engine.create(await planSource(model, options), engineOptions(options));
    return new InferenceSession(engine, await engine.createExecutionContext());
  }

  get inputs(): readonly EngineIO[] {
    return this.engine.inputs;
  }

  get outputs(): readonly EngineIO[] {
    return this.engine.outputs;
  }

  get inputNames(): string[] {
    return this.inputs.map((i) => i.name);
  }

  get outputNames(): string[] {
    return this.outputs.map((o) => o.name);
  }

  /** Feeds are checked before anything runs (names, dtypes, shapes, intact storage); `signal` abandons the run. */
  run(feeds: Record<string, Tensor>, options: RunOptions = {}): Promise<Record<string, Tensor>> {
    return this.context.run(feeds, options);
  }

  /** Frees the session (its worker, if idle, is kept for the next session); runs still pending reject with ABORTED. An idle session never holds the process open. */
  async dispose(): Promise<void> {
    await this.context.dispose();
  }
}

/** Model path → built plan; plan path or bytes → deserialized plan. */
export async function planFor(model: string | Uint8Array, options: SessionOptions = {}): Promise<Plan> {
  const source = await planSource(model, options);
  return source instanceof Uint8Array ? deserializePlan(source) : source;
}

/**
 * What an engine is made from: a plan's bytes as given (the engine keeps them for its workers
 * rather than serializing the plan again), or the plan built from a model.
 */
export async function planSource(model: string | Uint8Array, options: SessionOptions = {}): Promise<Plan | Uint8Array> {
  if (model instanceof Uint8Array) return model;
  if (detectModelFormat(model) === 'plan') return readModelBytes(model);
  const { graph } = await loadModel(model, options);
  return buildPlan(toNetwork(graph, options), { tune: false, ...options.build, backend: options.backend ?? 'cpu' });
}

export function engineOptions(options: SessionOptions): EngineOptions {
  return {
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.execution ? { execution: options.execution } : {}),
    ...(options.kernels ? { kernels: options.kernels } : {}),
    // Runs answer to the same limits as the import: machine-sized defaults, then the caller's.
    limits: nodeResourceLimits(options.limits),
  };
}
