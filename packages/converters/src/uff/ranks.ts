/**
 * Ranks of the values of a UFF graph. UFF files carry no shapes past their inputs and
 * constants, but reading an axis through a dimension order (dim-orders.ts) needs the rank, so
 * the ranks are propagated once per graph by the rule of each operation; unknown operations
 * (plugins) leave their outputs' ranks unknown.
 */
import type { Graph, GraphNode } from '@kiln-inference/core';
import type { ValidationContext } from '../converter.js';

type Ranks = Map<string, number>;

const memo = new WeakMap<Graph, Ranks>();

function ints(node: GraphNode, name: string): number[] | undefined {
  const a = node.attributes[name];
  if (a?.kind === 'ints') return a.value;
  if (a?.kind === 'int') return [a.value];
  return undefined;
}

function int(node: GraphNode, name: string): number | undefined {
  const a = node.attributes[name];
  return a?.kind === 'int' || a?.kind === 'bool' ? Number(a.value) : undefined;
}

function popcount(mask: number): number {
  let n = 0;
  for (let m = mask; m > 0; m >>= 1) n += m & 1;
  return n;
}

/** The rank of the node's output from its inputs' ranks, or undefined when it cannot be told. */
function outputRank(graph: Graph, node: GraphNode, rankOf: (name: string) => number | undefined): number | undefined {
  const r0 = rankOf(node.inputs[0] ?? '');
  switch (node.op) {
    case 'Identity':
    case 'Activation':
    case 'LeakyRelu':
    case 'Unary':
    case 'Softmax':
    case 'Conv':
    case 'ConvTranspose':
    case 'Pool':
    case 'BatchNorm':
    case 'LRN':
    case 'Pad':
    case 'Transpose':
    case 'Concat':
      return r0;
    case 'Binary': {
      const r1 = rankOf(node.inputs[1] ?? '');
      return r0 === undefined || r1 === undefined ? undefined : Math.max(r0, r1);
    }
    case 'FullyConnected':
    case 'Flatten':
      return 2;
    case 'Reshape': {
      const shape = graph.weights.get(node.inputs[1] ?? '');
      if (shape) return shape.size;
      return ints(node, 'shape')?.length;
    }
    case 'ExpandDims':
    case 'Stack':
      return r0 === undefined ? undefined : r0 + 1;
    case 'Squeeze': {
      const axes = ints(node, 'axes') ?? ints(node, 'axis');
      return r0 === undefined || !axes?.length ? undefined : r0 - axes.length;
    }
    case 'Reduce': {
      const axes = ints(node, 'axes');
      if (r0 === undefined || !axes) return undefined;
      return int(node, 'keepdims') ? r0 : r0 - new Set(axes).size;
    }
    case 'ArgMax':
    case 'ArgMin':
      return r0 === undefined ? undefined : r0 - 1;
    case 'Shape':
      return 1;
    case 'Gather':
    case 'GatherV2': {
      const r1 = rankOf(node.inputs[1] ?? '');
      return r0 === undefined || r1 === undefined ? undefined : r0 - 1 + r1;
    }
    case 'StridedSlice': {
      if (r0 === undefined || int(node, 'ellipsis_mask')) return undefined;
      return r0 - popcount(int(node, 'shrink_axis_mask') ?? 0) + popcount(int(node, 'new_axis_mask') ?? 0);
    }
    default:
      return undefined;
  }
}

function graphRanks(graph: Graph): Ranks {
  const cached = memo.get(graph);
  if (cached) return cached;
  const ranks: Ranks = new Map();
  for (const [name, w] of graph.weights) ranks.set(name, w.rank);
  for (const i of graph.inputs) if (i.type?.kind === 'tensor' && i.type.shape) ranks.set(i.name, i.type.shape.length);
  const rankOf = (name: string): number | undefined => ranks.get(name);
  // Nodes are usually in topological order; a few more passes settle any that are not.
  let pending = graph.nodes.filter((n) => n.outputs[0] !== undefined);
  while (pending.length > 0) {
    const next = pending.filter((n) => {
      const r = outputRank(graph, n, rankOf);
      if (r === undefined) return true;
      ranks.set(n.outputs[0]!, r);
      return false;
    });
    if (next.length === pending.length) break;
    pending = next;
  }
  memo.set(graph, ranks);
  return ranks;
}

/** The rank of node input `i`: from what conversion knows, else propagated through the UFF graph. */
export function uffRank(ctx: ValidationContext, i: number): number | undefined {
  const known = ctx.inputShape(i);
  if (known) return known.length;
  const name = ctx.node.inputs[i];
  return name ? graphRanks(ctx.graph).get(name) : undefined;
}
