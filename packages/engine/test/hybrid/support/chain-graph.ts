/** A small elementwise chain over one input whose dims the test chooses, for engine-cache tests. */
import { Graph, type Shape } from '@kiln-inference/core';
import { nodeSetOracle, partition } from '@kiln-inference/partitioner';

export { runWhole } from '../../../../partitioner/test/support/run-hybrid.js';
export { tinyRegistry } from '../../../../partitioner/test/support/tiny-converters.js';

/** y = Neg(Tanh(Relu(x) + x)), all four nodes in one segment. */
export function chainGraph(shape: Shape): Graph {
  const n = (name: string, op: string, inputs: string[]) => ({ name, op, domain: '', inputs, outputs: [name], attributes: {} });
  return new Graph({
    format: 'onnx',
    name: 'chain',
    nodes: [n('a', 'Relu', ['x']), n('b', 'Add', ['a', 'x']), n('c', 'Tanh', ['b']), n('y', 'Neg', ['c'])],
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape } }],
    outputs: [{ name: 'y', type: null }],
    opsetImports: [{ domain: '', version: 17 }],
  });
}

/** The chain partitioned into its one segment. */
export function chainHybrid(shape: Shape) {
  const graph = chainGraph(shape);
  return { graph, hybrid: partition(graph, nodeSetOracle(['a', 'b', 'c', 'y']), { minimumSegmentSize: 1 }).hybrid };
}
