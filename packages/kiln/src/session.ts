/**
 * InferenceSession: the onnxruntime-style facade. `create()` parses, converts and builds;
 * `run()` executes off the JS thread and resolves with named outputs. Code written for
 * onnxruntime-node runs against it unchanged where Kiln can honour the call: model paths or
 * bytes, its session options, inputMetadata/outputMetadata, fetches and release() (ort-compat/).
 */
import { nodeResourceLimits, type Tensor } from '@kiln-inference/core';
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
} from '@kiln-inference/engine';
import { type PluginRegistry, type PluginsOption, resolvePlugins } from '@kiln-inference/plugin-sdk';
import { type LoadModelOptions, loadModel, loadModelBytes, toNetwork } from './load-model.js';
import { readRunArguments, writeInto } from './ort-compat/fetches.js';
import { type ModelSource, modelSource } from './ort-compat/model-source.js';
import { type OrtSessionOptions, readOrtSessionOptions } from './ort-compat/ort-session-options.js';
import { type ValueMetadata, valueMetadata } from './ort-compat/value-metadata.js';

/** Options of `InferenceSession.create` and the one-call API: Kiln's own, and onnxruntime's. */
export interface SessionOptions extends LoadModelOptions, OrtSessionOptions {
  /** 'cpu' (default) or 'cuda' (plans built for this machine's GPU). */
  backend?: 'cpu' | 'cuda';
  /** CUDA backend: the device to build for and run on (default 0). */
  device?: number;
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
  /**
   * Custom layers: plugin package names or paths (loaded from the working directory; their
   * kernels run in the CPU worker, which imports them too), plugin objects (run on the calling
   * thread), or a PluginRegistry. They convert the ops they claim and run the plans that use them.
   */
  plugins?: PluginsOption;
}

/** A model as create() takes it: a path (model or plan), or the bytes of an ONNX model, a GraphDef or a plan. */
export type ModelInput = string | Uint8Array | ArrayBuffer;

/**
 * A loaded model ready to run, with onnxruntime-node's calls (`create`, `run`, `release`,
 * `inputMetadata` …): models are converted and built on creation, plans loaded as they are.
 */
export class InferenceSession {
  readonly inputMetadata: readonly ValueMetadata[];
  readonly outputMetadata: readonly ValueMetadata[];

  private constructor(
    readonly engine: Engine,
    private readonly context: ExecutionContext,
  ) {
    this.inputMetadata = Object.freeze(engine.inputs.map(valueMetadata));
    this.outputMetadata = Object.freeze(engine.outputs.map(valueMetadata));
  }

  /**
   * Accepts a model path (any supported format), a plan path, or bytes: what the bytes are
   * (plan, ONNX, GraphDef) is read from the bytes themselves. onnxruntime's
   * `create(buffer, byteOffset, byteLength?, options?)` form is accepted too.
   */
  static async create(model: ModelInput, options?: SessionOptions): Promise<InferenceSession>;
  static async create(buffer: ArrayBuffer, byteOffset: number, byteLength?: number, options?: SessionOptions): Promise<InferenceSession>;
  static async create(
    model: ModelInput,
    second?: SessionOptions | number,
    byteLength?: number,
    last?: SessionOptions,
  ): Promise<InferenceSession> {
    const bytes = typeof second === 'number' && model instanceof ArrayBuffer ? new Uint8Array(model, second, byteLength) : model;
    const options = resolveSessionOptions((typeof second === 'number' ? last : second) ?? {});
    const plugins = await resolvePlugins(options.plugins);
    // Plan bytes go to the engine as they are: it keeps them for its workers instead of re-serializing.
    const engine = await Engine.create(await engineInput(modelSource(bytes), options, plugins), engineOptions(options, plugins));
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

  /**
   * Feeds are checked before anything runs (names, dtypes, shapes, intact storage); `signal`
   * abandons the run. onnxruntime's `run(feeds, fetches, options)` is accepted: fetches are
   * output names or `{ name: null | Tensor }` (a tensor receives the output in place), and only
   * the fetched outputs are returned.
   */
  run(feeds: Record<string, Tensor>, options?: RunOptions): Promise<Record<string, Tensor>>;
  run(
    feeds: Record<string, Tensor>,
    fetches: readonly string[] | Record<string, Tensor | null>,
    options?: RunOptions,
  ): Promise<Record<string, Tensor>>;
  async run(feeds: Record<string, Tensor>, second?: unknown, third?: unknown): Promise<Record<string, Tensor>> {
    const { fetches, targets, options } = readRunArguments(this.outputNames, second, third);
    // The plan computes every output whatever is fetched: its layers were fixed when it was
    // built, and pruning per call would mean a plan per fetch set. Fetches choose what is returned.
    const outputs = await this.context.run(feeds, options);
    if (fetches === undefined) return outputs;
    return Object.fromEntries(
      fetches.map((name) => {
        const target = targets.get(name);
        return [name, target ? writeInto(name, outputs[name]!, target) : outputs[name]!];
      }),
    );
  }

  /** Frees the session (its worker, if idle, is kept for the next session); runs still pending reject with ABORTED. An idle session never holds the process open. */
  async dispose(): Promise<void> {
    await this.context.dispose();
  }

  /** onnxruntime's name for dispose(). */
  release(): Promise<void> {
    return this.dispose();
  }
}

/** Model path or bytes → built plan; plan path or bytes → deserialized plan. */
export async function planFor(model: ModelInput, options: SessionOptions = {}): Promise<Plan> {
  const resolved = resolveSessionOptions(options);
  const input = await engineInput(modelSource(model), resolved, await resolvePlugins(resolved.plugins));
  return input instanceof Uint8Array ? deserializePlan(input) : input;
}

/** What Engine.create() takes for a model: plan bytes unchanged, or the plan built from the model. */
export async function engineInput(source: ModelSource, options: SessionOptions, plugins?: PluginRegistry): Promise<Plan | Uint8Array> {
  if (source.kind === 'plan') return source.bytes;
  const { graph } =
    source.kind === 'model-file' ? await loadModel(source.path, options) : loadModelBytes(source.format, source.bytes, options);
  const device = options.device !== undefined ? { device: options.device } : {};
  return buildPlan(toNetwork(graph, options, plugins), { tune: false, ...device, ...options.build, backend: options.backend ?? 'cpu' });
}

/** The onnxruntime options folded into Kiln's (backend and device, the build's rules) and removed, so resolving twice is harmless. */
export function resolveSessionOptions(options: SessionOptions): SessionOptions {
  const ort = readOrtSessionOptions(options);
  const { executionProviders: _p, graphOptimizationLevel: _l, intraOpNumThreads: _t, ...kiln } = options;
  return {
    ...kiln,
    ...(ort.backend ? { backend: ort.backend } : {}),
    ...(ort.device !== undefined ? { device: ort.device } : {}),
    ...(ort.rules ? { build: { ...options.build, rules: ort.rules } } : {}),
  };
}

/** The `EngineOptions` that session options stand for (backend, device, execution, kernels, limits, the plugins' kernels). */
export function engineOptions(options: SessionOptions, plugins?: PluginRegistry): EngineOptions {
  return {
    ...plugins?.kernels(),
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.device !== undefined ? { device: options.device } : {}),
    ...(options.execution ? { execution: options.execution } : {}),
    ...(options.kernels ? { kernels: options.kernels } : {}),
    // Runs answer to the same limits as the import: machine-sized defaults, then the caller's.
    limits: nodeResourceLimits(options.limits),
  };
}
