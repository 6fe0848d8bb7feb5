/**
 * partition(graph, oracle, options): marks every node, clusters the supported ones into
 * DAG-safe segments, keeps those worth an engine, and returns the HybridGraph with its report.
 */
import { ErrorCode, type Graph, isKilnError, KilnError } from '@kiln-inference/core';
import type { CapabilityOracle } from './capability.js';
import { buildHybridGraph, engineNodeNames, type HybridGraph } from './hybrid-graph.js';
import { markNodes } from './mark-nodes.js';
import { nodeDependencies } from './node-dependencies.js';
import { type PartitionOptions, resolvePartitionOptions } from './partition-options.js';
import { buildPartitionReport, type PartitionReport } from './partition-report.js';
import { describeSegment, type FallbackReason } from './segment.js';
import { clusterCandidates } from './segmenter.js';
import { selectSegments } from './select-segments.js';
import { estimateTransfers } from './transfers.js';

export interface PartitionResult {
  hybrid: HybridGraph;
  report: PartitionReport;
}

/** The hybrid graph must be a valid Graph; anything else is a partitioner bug, reported as such. */
function checkHybrid(hybrid: HybridGraph): void {
  try {
    hybrid.graph.validate();
  } catch (e) {
    if (!isKilnError(e)) throw e;
    throw new KilnError(ErrorCode.INTERNAL, `the partitioned graph is invalid: ${e.message}`, {
      hint: 'please report this model; partition with a larger minimumSegmentSize meanwhile',
      cause: e,
    });
  }
}

export function partition(graph: Graph, oracle: CapabilityOracle, options: PartitionOptions = {}): PartitionResult {
  const resolved = resolvePartitionOptions(options);
  graph.validate();
  const deps = nodeDependencies(graph);
  const marks = markNodes(graph, oracle, resolved);
  const clusters = clusterCandidates({ predecessors: deps.predecessors, order: deps.order, candidate: marks.map((m) => m === null) });
  const { kept, dropped } = selectSegments(clusters, resolved);
  const names = engineNodeNames(graph, kept.length);
  const segments = kept.map((nodes, id) => describeSegment(graph, deps, nodes, id, names[id]!));

  const fallback = new Map<number, FallbackReason>();
  marks.forEach((m, i) => {
    if (m) fallback.set(i, m);
  });
  for (const d of dropped) for (const i of d.nodeIndices) fallback.set(i, { category: d.category, reason: d.reason });

  const hybrid = buildHybridGraph(graph, deps, segments, fallback);
  checkHybrid(hybrid);
  const report = buildPartitionReport({
    graph,
    oracle: oracle.name,
    options: resolved,
    nodesAfter: hybrid.graph.nodes.length,
    segments,
    fallback,
    dropped,
    transfers: estimateTransfers(graph, deps, segments),
  });
  return { hybrid, report };
}
