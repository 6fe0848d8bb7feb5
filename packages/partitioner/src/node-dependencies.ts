/**
 * The node-level data-flow graph of a Graph, counting sub-graph captures as reads: who
 * produces each value, who reads it, each node's predecessors, and a topological order.
 */
import { ErrorCode, type Graph, KilnError } from '@kiln-inference/core';
import { nodeReads } from './node-reads.js';
import { topologicalSort } from './topological-sort.js';

export interface NodeDependencies {
  /** value → index of the node writing it */
  producer: Map<string, number>;
  /** value → indices of the nodes reading it (inputs, control inputs, captures) */
  readers: Map<string, number[]>;
  /** node → distinct indices of the nodes it reads from */
  predecessors: number[][];
  /** node indices, producers first, ties broken by file order */
  order: number[];
  /** node index → its position in `order` */
  position: Int32Array;
  /** names of the graph's outputs */
  graphOutputs: ReadonlySet<string>;
}

export function nodeDependencies(graph: Graph): NodeDependencies {
  const producer = graph.producers();
  const readers = new Map<string, number[]>();
  const predecessors = graph.nodes.map((node, i) => {
    const preds = new Set<number>();
    for (const v of nodeReads(node)) {
      const list = readers.get(v);
      if (list) list.push(i);
      else readers.set(v, [i]);
      const p = producer.get(v);
      if (p !== undefined && p !== i) preds.add(p);
    }
    return [...preds];
  });
  const sorted = topologicalSort(predecessors);
  if (!sorted.ok) {
    const node = graph.nodes[sorted.stuck]!;
    throw new KilnError(ErrorCode.GRAPH_CYCLE, 'the graph has a cycle through this node (counting values its sub-graphs capture)', {
      node: { name: node.name, op: node.op, index: sorted.stuck },
      hint: 'a data-flow graph must be acyclic; check which outer values the If/Loop/Scan bodies read',
    });
  }
  const position = new Int32Array(graph.nodes.length);
  sorted.order.forEach((n, pos) => {
    position[n] = pos;
  });
  return { producer, readers, predecessors, order: sorted.order, position, graphOutputs: new Set(graph.outputs.map((o) => o.name)) };
}
