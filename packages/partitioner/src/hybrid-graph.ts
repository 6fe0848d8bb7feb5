/**
 * The HybridGraph: the source graph with every kept segment replaced by one engine node
 * (op 'KilnEngine', domain 'kiln') that carries the segment's own sub-graph, plus the nodes
 * left to the fallback backend. Its nodes are in an execution order, and `steps` says what
 * runs where — what the hybrid executor walks.
 */
import { ErrorCode, Graph, type GraphNode, KilnError, type Tensor, type ValueInfo } from '@kiln-inference/core';
import { extractSubgraph, type ValueInfoLookup, valueInfoLookup } from './extract-subgraph.js';
import type { NodeDependencies } from './node-dependencies.js';
import { nodeReads } from './node-reads.js';
import type { FallbackReason, Segment } from './segment.js';
import { topologicalSort } from './topological-sort.js';

export const ENGINE_OP = 'KilnEngine';
export const ENGINE_DOMAIN = 'kiln';
/** Engine node attributes: the segment id (int) and the segment's sub-graph (graph). */
export const ENGINE_SEGMENT_ATTRIBUTE = 'segment_id';
export const ENGINE_SUBGRAPH_ATTRIBUTE = 'subgraph';

export interface EngineSegment extends Segment {
  /** The segment as a self-contained graph: its inputs, outputs and the weights it reads. */
  graph: Graph;
  /** The engine node standing for it in the hybrid graph. */
  node: GraphNode;
}

export type HybridStep =
  | { kind: 'engine'; node: GraphNode; segment: EngineSegment }
  | { kind: 'fallback'; node: GraphNode; sourceIndex: number; reason: FallbackReason };

export interface HybridGraph {
  /** The graph that was partitioned (unchanged). */
  source: Graph;
  /** Engine nodes and fallback nodes, in execution order; it validates as a Graph. */
  graph: Graph;
  segments: EngineSegment[];
  /** One step per node of `graph`, in the same order. */
  steps: HybridStep[];
}

export function isEngineNode(node: GraphNode): boolean {
  return node.op === ENGINE_OP && node.domain === ENGINE_DOMAIN;
}

/** A node name for each segment that no source node uses. */
export function engineNodeNames(graph: Graph, count: number): string[] {
  const taken = new Set(graph.nodes.map((n) => n.name));
  return Array.from({ length: count }, (_, id) => {
    let name = `kiln_engine_${id}`;
    for (let k = 1; taken.has(name); k++) name = `kiln_engine_${id}_${k}`;
    taken.add(name);
    return name;
  });
}

function engineSegment(source: Graph, segment: Segment, lookup: ValueInfoLookup): EngineSegment {
  const graph = extractSubgraph(
    source,
    segment.nodeIndices.map((i) => source.nodes[i]!),
    { name: `${source.name}/${segment.name}`, outputs: segment.outputs, lookup },
  );
  const node: GraphNode = {
    name: segment.name,
    op: ENGINE_OP,
    domain: ENGINE_DOMAIN,
    inputs: [...segment.inputs],
    outputs: [...segment.outputs],
    attributes: {
      [ENGINE_SEGMENT_ATTRIBUTE]: { kind: 'int', value: segment.id },
      [ENGINE_SUBGRAPH_ATTRIBUTE]: { kind: 'graph', value: graph },
    },
  };
  return { ...segment, graph, node };
}

type Unit = { kind: 'engine'; segment: EngineSegment } | { kind: 'fallback'; index: number; reason: FallbackReason };

/** Orders units so producers come first, ties going to the unit whose first node is earliest. */
function orderUnits(units: Unit[], unitOfNode: Int32Array, source: Graph, deps: NodeDependencies): Unit[] {
  const firstPosition = units.map((u) => deps.position[u.kind === 'engine' ? u.segment.nodeIndices[0]! : u.index]!);
  const predecessors = units.map((u, self) => {
    const nodes = u.kind === 'engine' ? u.segment.nodeIndices : [u.index];
    const preds: number[] = [];
    for (const n of nodes) {
      for (const v of nodeReads(source.nodes[n]!)) {
        const p = deps.producer.get(v);
        if (p !== undefined && unitOfNode[p] !== self) preds.push(unitOfNode[p]!);
      }
    }
    return preds;
  });
  const sorted = topologicalSort(predecessors, firstPosition);
  if (!sorted.ok) {
    // The segmenter only contracts edges that no other path joins, so this is a kiln bug.
    throw new KilnError(ErrorCode.INTERNAL, `the segments form a cycle (at unit ${sorted.stuck})`, {
      hint: 'please report this model; partition with a larger minimumSegmentSize meanwhile',
    });
  }
  return sorted.order.map((i) => units[i]!);
}

/** Weights the hybrid graph itself still needs: read by fallback nodes, or listed as graph inputs/outputs. */
function remainingWeights(source: Graph, nodes: GraphNode[]): Map<string, Tensor> {
  const needed = new Set<string>([...source.inputs.map((i) => i.name), ...source.outputs.map((o) => o.name)]);
  for (const n of nodes) if (!isEngineNode(n)) for (const v of nodeReads(n)) needed.add(v);
  return new Map([...source.weights].filter(([name]) => needed.has(name)));
}

function remainingValueInfo(source: Graph, nodes: GraphNode[]): Map<string, ValueInfo> {
  const visible = new Set<string>();
  for (const n of nodes) for (const v of [...n.inputs, ...n.outputs]) visible.add(v);
  return new Map([...source.valueInfo].filter(([name]) => visible.has(name)));
}

export function buildHybridGraph(
  source: Graph,
  deps: NodeDependencies,
  segments: Segment[],
  fallback: ReadonlyMap<number, FallbackReason>,
): HybridGraph {
  const lookup = valueInfoLookup(source);
  const engines = segments.map((s) => engineSegment(source, s, lookup));
  const units: Unit[] = engines.map((segment) => ({ kind: 'engine', segment }));
  const unitOfNode = new Int32Array(source.nodes.length).fill(-1);
  engines.forEach((e, u) => {
    for (const n of e.nodeIndices) unitOfNode[n] = u;
  });
  for (const [index, reason] of fallback) {
    unitOfNode[index] = units.length;
    units.push({ kind: 'fallback', index, reason });
  }
  const steps: HybridStep[] = orderUnits(units, unitOfNode, source, deps).map((u) =>
    u.kind === 'engine'
      ? { kind: 'engine', node: u.segment.node, segment: u.segment }
      : { kind: 'fallback', node: { ...source.nodes[u.index]! }, sourceIndex: u.index, reason: u.reason },
  );
  const nodes = steps.map((s) => s.node);
  const needsEngineOpset = engines.length > 0 && !source.opsetImports.some((o) => o.domain === ENGINE_DOMAIN);
  const graph = new Graph({
    format: source.format,
    name: source.name,
    nodes,
    inputs: source.inputs.map((i) => ({ ...i })),
    outputs: source.outputs.map((o) => ({ ...o })),
    weights: remainingWeights(source, nodes),
    valueInfo: remainingValueInfo(source, nodes),
    opsetImports: [...source.opsetImports.map((o) => ({ ...o })), ...(needsEngineOpset ? [{ domain: ENGINE_DOMAIN, version: 1 }] : [])],
    functions: source.functions,
    metadata: { ...source.metadata },
  });
  return { source, graph, segments: engines, steps };
}
