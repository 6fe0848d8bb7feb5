/**
 * createInferenceGraph: TF-TRT's create_inference_graph for kiln. The model is partitioned for
 * the target (converters + the native layer support table), every kept segment becomes an
 * engine node, and the result runs as one graph: engines for the segments, the CPU reference
 * kernels for everything else. save() writes the model, the options and every cached engine's
 * plan to a folder; loadInferenceGraph() reads it back without rebuilding those engines.
 */
import type { Tensor } from '@kiln/core';
import type { Feeds, RuntimeValue } from '@kiln/cpu-runtime';
import { type EngineOptions, type HybridCounters, HybridSession, type SavedSegmentEngine, targetOracle } from '@kiln/engine';
import { type HybridGraph, type PartitionReport, partition } from '@kiln/partitioner';
import { registryFor } from '../load-model.js';
import { type InferenceGraphOptions, type ResolvedInferenceOptions, resolveInferenceOptions } from './inference-graph-options.js';
import { type ModelSource, openModelSource } from './model-source.js';
import { writeInferenceGraph } from './saved-inference-graph.js';

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
    engineOptions: EngineOptions | undefined,
    engines?: ReadonlyMap<string, readonly SavedSegmentEngine[]>,
    checkPartition?: (hybrid: HybridGraph) => void,
  ): Promise<InferenceGraph> {
    const registry = registryFor(source.graph);
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

  get counters(): HybridCounters {
    return { ...this.session.counters };
  }

  run(feeds: Feeds): Promise<Record<string, Tensor>> {
    return this.session.run(feeds);
  }

  runValues(feeds: Feeds): Promise<Record<string, RuntimeValue>> {
    return this.session.runValues(feeds);
  }

  /** Writes the model, the options and every cached engine's plan into the folder `path`. */
  async save(path: string): Promise<void> {
    writeInferenceGraph(path, this);
  }

  dispose(): Promise<void> {
    return this.session.dispose();
  }
}

export async function createInferenceGraph(options: InferenceGraphOptions): Promise<InferenceGraph> {
  const resolved = resolveInferenceOptions(options);
  const source = await openModelSource(options);
  return InferenceGraph.open(source, resolved, options.engineOptions);
}
