/** Small graph builders for partitioner tests. */
import { Graph, type GraphNode, type ValueInfo } from '@kiln-inference/core';

export function node(name: string, op: string, inputs: string[], outputs: string[] = [name], controlInputs?: string[]): GraphNode {
  return { name, op, domain: '', inputs, outputs, attributes: {}, ...(controlInputs ? { controlInputs } : {}) };
}

export function floatValue(name: string, shape: number[] = [2, 3]): ValueInfo {
  return { name, type: { kind: 'tensor', dtype: 'float32', shape } };
}

/** A graph over float32 [2,3] inputs; `outputs` are value names. */
export function makeGraph(nodes: GraphNode[], inputs: string[], outputs: string[]): Graph {
  return new Graph({
    format: 'onnx',
    name: 'test',
    nodes,
    inputs: inputs.map((i) => floatValue(i)),
    outputs: outputs.map((o) => ({ name: o, type: null })),
    opsetImports: [{ domain: '', version: 17 }],
  });
}
