/**
 * Every value a node reads: its data inputs, its control inputs, and the values its sub-graphs
 * (If/Loop/Scan bodies) capture from enclosing scopes. Captures are real dependencies even
 * though they are not listed as inputs, so clustering, segment I/O and ordering all count them.
 */
import type { Graph, GraphNode } from '@kiln-inference/core';

/** Values a sub-graph reads but neither defines nor receives as inputs or weights. */
export function capturedValues(body: Graph): string[] {
  const defined = new Set<string>([...body.inputs.map((i) => i.name), ...body.weights.keys()]);
  for (const n of body.nodes) for (const o of n.outputs) if (o) defined.add(o);
  const captured: string[] = [];
  const seen = new Set<string>();
  const note = (v: string): void => {
    if (v && !defined.has(v) && !seen.has(v)) {
      seen.add(v);
      captured.push(v);
    }
  };
  for (const n of body.nodes) for (const v of nodeReads(n)) note(v);
  for (const o of body.outputs) note(o.name);
  return captured;
}

function subgraphsOf(node: GraphNode): Graph[] {
  const graphs: Graph[] = [];
  for (const a of Object.values(node.attributes)) {
    if (a.kind === 'graph') graphs.push(a.value);
    else if (a.kind === 'graphs') graphs.push(...a.value);
  }
  return graphs;
}

/** Distinct non-empty value names the node reads, in first-use order. */
export function nodeReads(node: GraphNode): string[] {
  const reads: string[] = [];
  const seen = new Set<string>();
  const add = (v: string): void => {
    if (v && !seen.has(v)) {
      seen.add(v);
      reads.push(v);
    }
  };
  for (const v of node.inputs) add(v);
  for (const v of node.controlInputs ?? []) add(v);
  for (const g of subgraphsOf(node)) for (const v of capturedValues(g)) add(v);
  return reads;
}
