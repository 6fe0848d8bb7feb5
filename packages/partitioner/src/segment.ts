/**
 * A segment: a cluster of supported nodes that one engine will run, with its boundary values
 * computed from the cut edges. Also the reasons nodes end up on the fallback backend.
 */
import type { Graph } from '@kiln-inference/core';
import type { CapabilityCategory } from './capability.js';
import { externalReads } from './extract-subgraph.js';
import type { NodeDependencies } from './node-dependencies.js';

export interface Segment {
  /** 0, 1, … in the topological order of each segment's first node. */
  id: number;
  /** Name of the engine node that replaces the segment in the hybrid graph. */
  name: string;
  /** Indices into the source graph's nodes, in topological order. */
  nodeIndices: number[];
  /** Values produced outside (or graph inputs) and read inside; weights travel inside instead. */
  inputs: string[];
  /** Values produced inside and read outside, or graph outputs. */
  outputs: string[];
}

/** Why a node runs on the fallback backend. */
export type FallbackCategory = CapabilityCategory | 'excluded' | 'segment-too-small' | 'segment-limit';

export interface FallbackReason {
  category: FallbackCategory;
  reason: string;
}

/** Values produced by the member nodes that leave the segment, in topological order. */
export function segmentOutputs(
  graph: Graph,
  deps: NodeDependencies,
  members: ReadonlySet<number>,
  nodeIndices: readonly number[],
): string[] {
  const outputs: string[] = [];
  for (const i of nodeIndices) {
    for (const v of graph.nodes[i]!.outputs) {
      if (!v) continue;
      const leaves = deps.graphOutputs.has(v) || (deps.readers.get(v) ?? []).some((r) => !members.has(r));
      if (leaves) outputs.push(v);
    }
  }
  return outputs;
}

export function describeSegment(graph: Graph, deps: NodeDependencies, nodeIndices: number[], id: number, name: string): Segment {
  const members = new Set(nodeIndices);
  return {
    id,
    name,
    nodeIndices,
    inputs: externalReads(
      graph,
      nodeIndices.map((i) => graph.nodes[i]!),
    ),
    outputs: segmentOutputs(graph, deps, members, nodeIndices),
  };
}
