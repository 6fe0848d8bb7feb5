/**
 * The values of a graph that are fixed before any feed arrives: weights, the outputs of
 * Constant/Const nodes, and the outputs of nodes that read only such values (random ops
 * excepted). The builder folds these, so a layer computing one never needs a kernel.
 */
import { type Graph, isRandomGraphOp } from '@kiln-inference/core';
import { nodeReads } from '@kiln-inference/partitioner';

/** Ops with no inputs whose value is fixed. */
export const CONSTANT_OPS = new Set(['Constant', 'Const']);

const cache = new WeakMap<Graph, ReadonlySet<string>>();

export function buildTimeValues(graph: Graph): ReadonlySet<string> {
  const cached = cache.get(graph);
  if (cached) return cached;
  const known = new Set<string>(graph.weights.keys());
  const readers = new Map<string, number[]>();
  const pending = graph.nodes.map((node, i) => {
    const reads = [...new Set(nodeReads(node))].filter((v) => !known.has(v));
    for (const v of reads) readers.set(v, [...(readers.get(v) ?? []), i]);
    return reads.length;
  });
  const ready = graph.nodes.flatMap((node, i) => {
    if (isRandomGraphOp(node.op)) return [];
    const sourceless = nodeReads(node).length === 0;
    return (sourceless && CONSTANT_OPS.has(node.op)) || (!sourceless && pending[i] === 0) ? [i] : [];
  });
  while (ready.length > 0) {
    const node = graph.nodes[ready.pop()!]!;
    for (const o of node.outputs) {
      if (!o || known.has(o)) continue;
      known.add(o);
      for (const r of readers.get(o) ?? []) if (--pending[r]! === 0 && !isRandomGraphOp(graph.nodes[r]!.op)) ready.push(r);
    }
  }
  cache.set(graph, known);
  return known;
}
