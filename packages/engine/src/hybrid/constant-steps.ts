/**
 * Folding what the feeds never reach. Converters need some inputs to be constants (TF Conv2D
 * weights behind an Identity, ONNX weights made by ConstantOfShape, reshape targets), and a
 * partition can cut such a value off from its reader: the producer lands in another segment or
 * on the fallback backend. The executor therefore runs the fallback steps that read only
 * constants once, when the session is created, and hands their values to every graph that
 * reads them as weights — TF-TRT relies on Grappler's constant folding for the same reason.
 */
import { Graph, type GraphNode, isRandomGraphOp, Tensor, type ValueInfo } from '@kiln-inference/core';
import { nodeReads } from '@kiln-inference/partitioner';
import { CONSTANT_OPS } from './build-time-values.js';

/**
 * Whether a fallback node's value is fixed once `known` values are: it reads only those, or is a
 * constant op. A random op never is, whatever it reads: folded, one draw would repeat every run.
 */
export function readsOnlyConstants(node: GraphNode, known: ReadonlySet<string>): boolean {
  if (isRandomGraphOp(node.op)) return false;
  const reads = nodeReads(node);
  if (reads.length === 0) return CONSTANT_OPS.has(node.op);
  return reads.every((v) => known.has(v));
}

/** A copy of `graph` in which the inputs that `constants` knows are weights. */
export function withConstantInputs(graph: Graph, constants: ReadonlyMap<string, Tensor>): Graph {
  const found = graph.inputs.filter((i) => constants.has(i.name) && !graph.weights.has(i.name));
  if (found.length === 0) return graph;
  const weights = new Map(graph.weights);
  for (const i of found) weights.set(i.name, constants.get(i.name)!);
  const inputs = graph.inputs.map((i): ValueInfo => {
    const c = constants.get(i.name);
    return c && found.includes(i) ? { name: i.name, type: { kind: 'tensor', dtype: c.dtype, shape: [...c.shape] } } : i;
  });
  return new Graph({ ...graph, inputs, weights });
}

export function isTensor(value: unknown): value is Tensor {
  return value instanceof Tensor;
}
