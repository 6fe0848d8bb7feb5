/**
 * The hybrid executor: walks a HybridGraph's steps in order. Engine nodes run their segment
 * through an Engine (see EngineNodeRunner for the cache, profiles and fallback); every other
 * node is converted on its own and runs on the CPU reference kernels. Runs are queued, so one
 * session never runs two feeds at once (engines own one execution context each).
 */
import type { ConverterRegistry } from '@kiln-inference/converters';
import { ErrorCode, isKilnError, KilnError, Tensor, type ValueType } from '@kiln-inference/core';
import { type Feeds, feedsToMap, pluginKernelMap, type RuntimeValue } from '@kiln-inference/cpu-runtime';
import { type HybridGraph, isolateNode } from '@kiln-inference/partitioner';
import type { BuildOptions } from '../builder/build-plan.js';
import type { EngineOptions } from '../engine.js';
import { isTensor, readsOnlyConstants, withConstantInputs } from './constant-steps.js';
import { type CacheFullPolicy, declaredSignatures, EngineNodeRunner } from './engine-node-runner.js';
import { countEvent, emptyCounters, type HybridCounters, type HybridEvent, type HybridEventListener } from './hybrid-events.js';
import { fillInputTypes, inferValueTypes } from './inferred-value-types.js';
import { type OptimizationProfile, validateProfile } from './optimization-profile.js';
import { ReferenceGraphRunner } from './reference-graph-runner.js';
import { retypeInputs } from './retype-inputs.js';
import { loadSegmentEngine } from './segment-engine.js';
import type { InputSignature } from './value-signature.js';

export interface HybridSessionOptions {
  /** Converts segments and fallback nodes (the registry of the graph's format). */
  registry: ConverterRegistry;
  /** Build engines at first run for the actual shapes instead of ahead of time (default false). */
  isDynamicOp?: boolean;
  /** Engines kept per engine node (default 1, as TF-TRT). */
  maximumCachedEngines?: number;
  /** Fills an unknown batch dimension when engines are built ahead of time. */
  maxBatchSize?: number;
  /** When no cached engine fits and the cache is full: run unconverted (default) or evict the LRU engine. */
  whenCacheFull?: CacheFullPolicy;
  /** min/opt/max per value name; segments whose inputs it covers use one profile engine instead of the cache. */
  optimizationProfile?: OptimizationProfile;
  buildOptions?: BuildOptions;
  /** For every segment engine, e.g. `{ kernels: 'reference' }` or `{ execution: 'inline' }`. */
  engineOptions?: EngineOptions;
  onEvent?: HybridEventListener;
  /** Engines to start with, by engine-node name (serialized plans, e.g. from a saved inference graph). */
  engines?: ReadonlyMap<string, readonly SavedSegmentEngine[]>;
}

/** A cached engine as bytes: what it was built for and its serialized plan. */
export interface SavedSegmentEngine {
  signatures: InputSignature[];
  plan: Uint8Array;
}

/** Runs a constant step once; its outputs join `constants` when they are all tensors. */
function foldStep(runner: ReferenceGraphRunner, weights: ReadonlyMap<string, Tensor>, constants: Map<string, Tensor>): boolean {
  const values = new Map<string, RuntimeValue>([...weights, ...constants]);
  const before = new Set(values.keys());
  try {
    runner.run(values);
  } catch (e) {
    // Left as an ordinary step: the error, if it is one, surfaces at run time with its context.
    if (isKilnError(e)) return false;
    throw e;
  }
  const produced = [...values].filter(([name]) => !before.has(name));
  if (!produced.every(([, v]) => isTensor(v))) return false;
  for (const [name, v] of produced) constants.set(name, v as Tensor);
  return true;
}

/** Types for segment inputs the graph leaves open, when engines are to be built ahead of time. */
function staticBuildTypes(hybrid: HybridGraph, options: HybridSessionOptions): Map<string, ValueType> {
  if (options.isDynamicOp || options.optimizationProfile) return new Map();
  const open = hybrid.segments.some((s) => declaredSignatures(s.graph, options.maxBatchSize) === null);
  return open ? inferValueTypes(hybrid.source, options.registry, options.maxBatchSize) : new Map();
}

/** For each step, the values it is the last reader of (graph outputs are always kept). */
function lastReaders(steps: readonly Step[], keep: ReadonlySet<string>): string[][] {
  const last = new Map<string, number>();
  steps.forEach((step, i) => {
    for (const name of step.runner.feeds) last.set(name, i);
  });
  const release = steps.map((): string[] => []);
  for (const [name, i] of last) if (!keep.has(name)) release[i]!.push(name);
  return release;
}

type Step = { kind: 'engine'; runner: EngineNodeRunner } | { kind: 'fallback'; runner: ReferenceGraphRunner };

export class HybridSession {
  /** Totals over every engine node. */
  readonly counters: HybridCounters = emptyCounters();
  private readonly perSegment = new Map<string, HybridCounters>();
  private readonly listeners = new Set<HybridEventListener>();
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  private constructor(
    readonly hybrid: HybridGraph,
    private readonly steps: Step[],
    /** Values of the fallback steps folded at creation (they read only constants). */
    private readonly constants: Map<string, Tensor>,
  ) {}

  /** Per step, the values no later step reads (dropped after it, so a run holds only live tensors). */
  private releaseAfter: string[][] = [];

  static async create(hybrid: HybridGraph, options: HybridSessionOptions): Promise<HybridSession> {
    if (options.optimizationProfile) validateProfile(options.optimizationProfile);
    const nodeOptions = {
      isDynamicOp: options.isDynamicOp ?? false,
      maximumCachedEngines: options.maximumCachedEngines ?? 1,
      whenCacheFull: options.whenCacheFull ?? 'fallback',
      ...(options.maxBatchSize !== undefined ? { maxBatchSize: options.maxBatchSize } : {}),
      ...(options.optimizationProfile ? { profile: options.optimizationProfile } : {}),
    };
    const settings = {
      registry: options.registry,
      ...(options.buildOptions ? { buildOptions: options.buildOptions } : {}),
      ...(options.engineOptions ? { engineOptions: options.engineOptions } : {}),
    };
    const steps: Step[] = [];
    const constants = new Map<string, Tensor>();
    const session = new HybridSession(hybrid, steps, constants);
    if (options.onEvent) session.listeners.add(options.onEvent);
    const emit = (e: HybridEvent) => session.record(e);
    const known = new Set(hybrid.graph.weights.keys());
    const inferred = staticBuildTypes(hybrid, options);
    // Fallback nodes run on the reference kernels: plugin layers there need the engines' plugin kernels too.
    const plugins = pluginKernelMap(options.engineOptions?.pluginModules, options.engineOptions?.plugins);
    for (const step of hybrid.steps) {
      if (step.kind === 'engine') {
        let graph = withConstantInputs(step.segment.graph, constants);
        if (inferred.size > 0) graph = retypeInputs(graph, fillInputTypes(graph, inferred));
        steps.push({ kind: 'engine', runner: new EngineNodeRunner(step.segment, graph, settings, nodeOptions, emit) });
        continue;
      }
      const runner = new ReferenceGraphRunner(
        withConstantInputs(isolateNode(hybrid.graph, step.node), constants),
        options.registry,
        plugins,
      );
      if (readsOnlyConstants(step.node, known) && foldStep(runner, hybrid.graph.weights, constants)) {
        for (const o of step.node.outputs) if (o) known.add(o);
        continue;
      }
      steps.push({ kind: 'fallback', runner });
    }
    try {
      for (const runner of session.engineNodes) {
        for (const saved of options.engines?.get(runner.name) ?? []) {
          await runner.adopt(await loadSegmentEngine(saved.plan, saved.signatures, options.engineOptions));
        }
      }
      for (const s of steps) if (s.kind === 'engine') await s.runner.prepare();
    } catch (e) {
      await session.dispose();
      throw e;
    }
    session.releaseAfter = lastReaders(steps, new Set(hybrid.graph.outputs.map((o) => o.name)));
    return session;
  }

  /** The engine nodes' runners, in execution order (their caches, engines and names). */
  get engineNodes(): EngineNodeRunner[] {
    return this.steps.flatMap((s) => (s.kind === 'engine' ? [s.runner] : []));
  }

  /** Counters of one engine node (by its name, e.g. 'kiln_engine_0'). */
  countersOf(segment: string): HybridCounters {
    return { ...(this.perSegment.get(segment) ?? emptyCounters()) };
  }

  /** Every cached engine as bytes, by engine-node name, least recently used first. */
  savedEngines(): Map<string, SavedSegmentEngine[]> {
    return new Map(
      this.engineNodes.map((r) => [r.name, r.cache.entries().map((e) => ({ signatures: [...e.signatures], plan: e.engine.serialize() }))]),
    );
  }

  on(listener: HybridEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs once; every output must be a tensor (use runValues for sequence outputs). */
  async run(feeds: Feeds): Promise<Record<string, Tensor>> {
    const outputs = await this.runValues(feeds);
    for (const [name, v] of Object.entries(outputs)) {
      if (!(v instanceof Tensor)) {
        throw new KilnError(ErrorCode.RUNTIME_ERROR, `output '${name}' is a tensor sequence, not a tensor`, {
          hint: 'call runValues() to receive tensor-sequence outputs',
        });
      }
    }
    return outputs as Record<string, Tensor>;
  }

  async runValues(feeds: Feeds): Promise<Record<string, RuntimeValue>> {
    const next = this.queue.then(() => this.runNow(feedsToMap(feeds)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    await Promise.all(this.engineNodes.map((r) => r.dispose()));
  }

  private record(event: HybridEvent): void {
    countEvent(this.counters, event);
    const mine = this.perSegment.get(event.segment) ?? emptyCounters();
    this.perSegment.set(event.segment, mine);
    countEvent(mine, event);
    for (const l of this.listeners) l(event);
  }

  private checkFeeds(feeds: Map<string, RuntimeValue>): void {
    const wanted = this.hybrid.graph.feedInputs.map((i) => i.name);
    for (const name of feeds.keys()) {
      if (!wanted.includes(name)) {
        throw new KilnError(ErrorCode.UNKNOWN_FEED, `'${name}' is not an input of this model`, {
          hint: `inputs are: ${wanted.join(', ') || '(none)'}`,
        });
      }
    }
    for (const name of wanted) {
      if (!feeds.has(name))
        throw new KilnError(ErrorCode.MISSING_FEED, `input '${name}' was not fed`, { hint: `feed every input: ${wanted.join(', ')}` });
    }
  }

  private async runNow(feeds: Map<string, RuntimeValue>): Promise<Record<string, RuntimeValue>> {
    if (this.disposed) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'run() on a disposed hybrid session', {
        hint: 'create a new one with HybridSession.create()',
      });
    }
    this.checkFeeds(feeds);
    const values = new Map<string, RuntimeValue>([...this.hybrid.graph.weights, ...this.constants, ...feeds]);
    for (const [i, step] of this.steps.entries()) {
      if (step.kind === 'engine') await step.runner.run(values);
      else step.runner.run(values);
      for (const name of this.releaseAfter[i]!) values.delete(name);
    }
    return Object.fromEntries(this.hybrid.graph.outputs.map((o) => [o.name, values.get(o.name)!]));
  }
}
