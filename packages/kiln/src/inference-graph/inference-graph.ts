/**
 * createInferenceGraph: TF-TRT's create_inference_graph for kiln. The model is partitioned for
 * the target (converters + the native layer support table), every kept segment becomes an
 * engine node, and the result runs as one graph: engines for the segments, the CPU reference
 * kernels for everything else. save() writes the model, the options and every cached engine's
 * plan to a folder; loadInferenceGraph() reads it back without rebuilding those engines.
 */
import type { Tensor } from '@kiln-inference/core';
import type { Feeds, RuntimeValue } from '@kiln-inference/cpu-runtime';
import { type EngineOptions, type HybridCounters, HybridSession, type SavedSegmentEngine, targetOracle } from '@kiln-inference/engine';
import { type HybridGraph, type PartitionReport, partition } from '@kiln-inference/partitioner';
import { type PluginRegistry, resolvePlugins } from '@kiln-inference/plugin-sdk';
import { registryFor } from '../load-model.js';
import { type InferenceGraphOptions, type ResolvedInferenceOptions, resolveInferenceOptions } from './inference-graph-options.js';
import { type ModelSource, openModelSource } from './model-source.js';
import { writeInferenceGraph } from './saved-inference-graph.js';

/** A partitioned model that runs as one graph: engine nodes for the converted segments, CPU reference kernels for the rest. */
export class InferenceGraph {
  private constructor(
    readonly source: ModelSource,
    readonly options: ResolvedInferenceOptions,
    readonly hybrid: HybridGraph,
    /** What runs where, and why (nodesBefore, nodesAfter, coverage, segments, fallback …). */
    readonly report: PartitionReport,
    /** The executor: its counters, events and engine caches. */
    readonly session: HybridSession,
  ) {}

  /** @internal Partitions the source and starts its executor, optionally with saved engines. */
  static async open(
    source: ModelSource,
    options: ResolvedInferenceOptions,
    runtime: { engineOptions?: EngineOptions; plugins?: PluginRegistry },
    engines?: ReadonlyMap<string, readonly SavedSegmentEngine[]>,
    checkPartition?: (hybrid: HybridGraph) => void,
  ): Promise<InferenceGraph> {
    const registry = registryFor(source.graph, runtime.plugins);
    const engineOptions = runtime.plugins ? { ...runtime.engineOptions, ...runtime.plugins.kernels() } : runtime.engineOptions;
    const { hybrid, report } = partition(source.graph, targetOracle(options.target, registry), {
      minimumSegmentSize: options.minimumSegmentSize,
      excludeOps: options.excludeOps,
    });
    checkPartition?.(hybrid);
    const session = await HybridSession.create(hybrid, {
      registry,
      isDynamicOp: options.isDynamicOp,
      maximumCachedEngines: options.maximumCachedEngines,
      ...(options.optimizationProfile ? { optimizationProfile: options.optimizationProfile } : {}),
      ...(options.maxBatchSize !== undefined ? { maxBatchSize: options.maxBatchSize } : {}),
      ...(options.maxWorkspaceSizeBytes !== undefined ? { buildOptions: { maxWorkspaceSize: options.maxWorkspaceSizeBytes } } : {}),
      ...(engineOptions ? { engineOptions } : {}),
      ...(engines ? { engines } : {}),
    });
    return new InferenceGraph(source, options, hybrid, report, session);
  }

  /** Engine builds, cache hits, batch reuses, evictions and fallbacks so far. */
  get counters(): HybridCounters {
    return { ...this.session.counters };
  }

  /** Runs the graph on `feeds` (tensors by input name) and resolves to its outputs by name. */
  run(feeds: Feeds): Promise<Record<string, Tensor>> {
    return this.session.run(feeds);
  }

  /** As run(), for graphs whose outputs may be tensor sequences. */
  runValues(feeds: Feeds): Promise<Record<string, RuntimeValue>> {
    return this.session.runValues(feeds);
  }

  /** Writes the model, the options and every cached engine's plan into the folder `path`. */
  async save(path: string): Promise<void> {
    writeInferenceGraph(path, this);
  }

  /** Releases every engine and worker; the graph cannot run afterwards. */
  dispose(): Promise<void> {
    return this.session.dispose();
  }
}

/** TF-TRT's create_inference_graph: partitions the model for the target and builds the engines it can build ahead (docs/from-tf-trt.md). */
export async function createInferenceGraph(options: InferenceGraphOptions): Promise<InferenceGraph> {
  const resolved = resolveInferenceOptions(options);
  const source = await openModelSource(options);
  const plugins = await resolvePlugins(options.plugins);
  return InferenceGraph.open(source, resolved, { ...(options.engineOptions ? { engineOptions: options.engineOptions } : {}), plugins });
}
