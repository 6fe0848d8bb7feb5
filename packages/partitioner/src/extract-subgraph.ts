/**
 * Cuts a set of nodes out of a graph as a self-contained Graph: values read from outside become
 * its inputs, weights it reads travel with it, and the requested values become its outputs.
 * Segments become engine sub-graphs this way; single nodes are isolated this way for lowering.
 */
import { Graph, type GraphNode, type Tensor, type ValueInfo } from '@kiln-inference/core';
import { nodeReads } from './node-reads.js';

export type ValueInfoLookup = (name: string) => ValueInfo;

/**
 * The best type information the source graph has for each value: a declared graph input,
 * graph output or inferred value info that carries a type (in that order), else the weight's
 * own type. Build once, ask many times.
 */
export function valueInfoLookup(graph: Graph): ValueInfoLookup {
  const known = new Map<string, ValueInfo>();
  const offer = (name: string, info: ValueInfo): void => {
    const current = known.get(name);
    if (!current || (current.type === null && info.type !== null)) known.set(name, info);
  };
  for (const i of graph.inputs) offer(i.name, i);
  for (const o of graph.outputs) offer(o.name, o);
  for (const [name, v] of graph.valueInfo) offer(name, v);
  return (name) => {
    const info = known.get(name);
    if (info && info.type !== null) return { ...info, name };
    const weight = graph.weights.get(name);
    if (weight) return { name, type: { kind: 'tensor', dtype: weight.dtype, shape: weight.shape } };
    return info ? { ...info, name } : { name, type: null };
  };
}

/** Values the nodes read that no node of the set produces and that are not weights, in first-use order. */
export function externalReads(graph: Graph, nodes: readonly GraphNode[]): string[] {
  const produced = new Set<string>();
  for (const n of nodes) for (const o of n.outputs) if (o) produced.add(o);
  const reads: string[] = [];
  const seen = new Set<string>();
  for (const n of nodes) {
    for (const v of nodeReads(n)) {
      if (produced.has(v) || graph.weights.has(v) || seen.has(v)) continue;
      seen.add(v);
      reads.push(v);
    }
  }
  return reads;
}

export interface ExtractOptions {
  name: string;
  /** Values the sub-graph must expose, in order. */
  outputs: readonly string[];
  /** Type lookup over the source graph, when the caller extracts many sub-graphs from it. */
  lookup?: ValueInfoLookup;
}

export function extractSubgraph(graph: Graph, nodes: readonly GraphNode[], options: ExtractOptions): Graph {
  const infoOf = options.lookup ?? valueInfoLookup(graph);
  const weights = new Map<string, Tensor>();
  const internal = new Set<string>();
  for (const n of nodes) {
    for (const v of nodeReads(n)) {
      const w = graph.weights.get(v);
      if (w) weights.set(v, w);
    }
    for (const o of n.outputs) if (o) internal.add(o);
  }
  const valueInfo = new Map<string, ValueInfo>();
  for (const v of internal) {
    const info = graph.valueInfo.get(v);
    if (info) valueInfo.set(v, info);
  }
  return new Graph({
    format: graph.format,
    name: options.name,
    // Copies, so passes that edit a sub-graph never edit the source graph.
    nodes: nodes.map((n) => ({ ...n })),
    inputs: externalReads(graph, nodes).map(infoOf),
    outputs: options.outputs.map(infoOf),
    weights,
    valueInfo,
    opsetImports: graph.opsetImports.map((o) => ({ ...o })),
    functions: graph.functions,
    metadata: { ...graph.metadata, 'kiln.source_graph': graph.name },
  });
}
