/**
 * The PartitionReport: plain JSON saying what runs where and why. Node lists carry both names
 * (for people) and indices into the source graph's nodes (names may be empty or repeated).
 */
import type { Graph, GraphNode } from '@kiln-inference/core';
import type { ResolvedPartitionOptions } from './partition-options.js';
import type { FallbackCategory, FallbackReason, Segment } from './segment.js';
import type { DroppedCluster } from './select-segments.js';
import type { TransferEstimate } from './transfers.js';

export interface SegmentSummary {
  id: number;
  /** The engine node's name in the hybrid graph. */
  name: string;
  size: number;
  nodes: string[];
  nodeIndices: number[];
  /** op → how many of the segment's nodes have it */
  ops: Record<string, number>;
  inputs: string[];
  outputs: string[];
}

export interface FallbackGroup {
  op: string;
  domain: string;
  count: number;
  reasons: { category: FallbackCategory; reason: string; nodes: string[]; nodeIndices: number[] }[];
}

export interface DroppedSegment {
  size: number;
  category: DroppedCluster['category'];
  reason: string;
  nodes: string[];
  nodeIndices: number[];
}

export interface PartitionReport {
  graph: string;
  oracle: string;
  options: ResolvedPartitionOptions;
  nodesBefore: number;
  nodesAfter: number;
  /** Percentage (0–100) of source nodes inside kept segments. */
  coverage: number;
  segments: SegmentSummary[];
  fallback: FallbackGroup[];
  dropped: DroppedSegment[];
  transfers: TransferEstimate;
}

/** How a node is named in reports: its name, or op#index when it has none. */
export function nodeLabel(node: GraphNode, index: number): string {
  return node.name || `${node.op}#${index}`;
}

function countOps(graph: Graph, indices: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const i of indices) {
    const op = graph.nodes[i]!.op;
    counts[op] = (counts[op] ?? 0) + 1;
  }
  return counts;
}

function groupFallback(graph: Graph, fallback: ReadonlyMap<number, FallbackReason>): FallbackGroup[] {
  const groups = new Map<string, FallbackGroup>();
  for (const [index, why] of [...fallback].sort((a, b) => a[0] - b[0])) {
    const node = graph.nodes[index]!;
    const key = `${node.domain}::${node.op}`;
    let group = groups.get(key);
    if (!group) {
      group = { op: node.op, domain: node.domain, count: 0, reasons: [] };
      groups.set(key, group);
    }
    group.count++;
    let entry = group.reasons.find((r) => r.category === why.category && r.reason === why.reason);
    if (!entry) {
      entry = { category: why.category, reason: why.reason, nodes: [], nodeIndices: [] };
      group.reasons.push(entry);
    }
    entry.nodes.push(nodeLabel(node, index));
    entry.nodeIndices.push(index);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));
}

export interface ReportInput {
  graph: Graph;
  oracle: string;
  options: ResolvedPartitionOptions;
  nodesAfter: number;
  segments: readonly Segment[];
  fallback: ReadonlyMap<number, FallbackReason>;
  dropped: readonly DroppedCluster[];
  transfers: TransferEstimate;
}

export function buildPartitionReport(input: ReportInput): PartitionReport {
  const { graph } = input;
  const label = (i: number): string => nodeLabel(graph.nodes[i]!, i);
  const covered = input.segments.reduce((sum, s) => sum + s.nodeIndices.length, 0);
  const nodesBefore = graph.nodes.length;
  return {
    graph: graph.name,
    oracle: input.oracle,
    options: input.options,
    nodesBefore,
    nodesAfter: input.nodesAfter,
    coverage: nodesBefore === 0 ? 0 : Math.round((10000 * covered) / nodesBefore) / 100,
    segments: input.segments.map((s) => ({
      id: s.id,
      name: s.name,
      size: s.nodeIndices.length,
      nodes: s.nodeIndices.map(label),
      nodeIndices: [...s.nodeIndices],
      ops: countOps(graph, s.nodeIndices),
      inputs: [...s.inputs],
      outputs: [...s.outputs],
    })),
    fallback: groupFallback(graph, input.fallback),
    dropped: input.dropped.map((d) => ({
      size: d.nodeIndices.length,
      category: d.category,
      reason: d.reason,
      nodes: d.nodeIndices.map(label),
      nodeIndices: [...d.nodeIndices],
    })),
    transfers: input.transfers,
  };
}
