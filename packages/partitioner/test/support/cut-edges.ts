/**
 * An independent, deliberately naive account of a partition's cut edges, to check the
 * partitioner's segment inputs/outputs against. What a node reads (inputs, control inputs,
 * sub-graph captures) comes from the package's nodeReads, which has its own unit tests.
 */
import type { Graph } from '@kiln-inference/core';
import { nodeReads } from '../../src/index.js';

export interface ExpectedIO {
  inputs: Set<string>;
  outputs: Set<string>;
}

/** For the node set S: values read in S but produced outside (not weights); values produced in S read outside or returned. */
export function expectedSegmentIO(graph: Graph, members: ReadonlySet<number>): ExpectedIO {
  const producerOf = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    for (const o of n.outputs) if (o) producerOf.set(o, i);
  });
  const inputs = new Set<string>();
  const outputs = new Set<string>();
  graph.nodes.forEach((n, i) => {
    for (const v of nodeReads(n)) {
      if (graph.weights.has(v)) continue;
      const p = producerOf.get(v);
      const producedInside = p !== undefined && members.has(p);
      if (members.has(i) && !producedInside) inputs.add(v);
      if (!members.has(i) && producedInside) outputs.add(v);
    }
  });
  for (const o of graph.outputs) {
    const p = producerOf.get(o.name);
    if (p !== undefined && members.has(p)) outputs.add(o.name);
  }
  return { inputs, outputs };
}

/** Whether the graph obtained by collapsing each group into one vertex is acyclic. */
export function quotientIsAcyclic(graph: Graph, groupOf: (node: number) => number): boolean {
  const producerOf = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    for (const o of n.outputs) if (o) producerOf.set(o, i);
  });
  const edges = new Map<number, Set<number>>();
  const vertices = new Set<number>();
  graph.nodes.forEach((n, i) => {
    const to = groupOf(i);
    vertices.add(to);
    for (const v of nodeReads(n)) {
      const p = producerOf.get(v);
      if (p === undefined) continue;
      const from = groupOf(p);
      if (from === to) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
    }
  });
  // Depth-first search with colours: a grey vertex met again closes a cycle.
  const colour = new Map<number, 'grey' | 'black'>();
  const visit = (v: number): boolean => {
    colour.set(v, 'grey');
    for (const w of edges.get(v) ?? []) {
      const c = colour.get(w);
      if (c === 'grey') return false;
      if (c === undefined && !visit(w)) return false;
    }
    colour.set(v, 'black');
    return true;
  };
  return [...vertices].every((v) => colour.has(v) || visit(v));
}
