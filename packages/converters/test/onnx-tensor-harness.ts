/** Builds one-node ONNX graphs by hand and runs them: convert with the ONNX registry, run on the reference executor. */
import { type AttributeValue, type DType, Graph, type Network, type Shape, type Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { convertGraph, createOnnxRegistry } from '../src/index.js';

export interface NodeSpec {
  op: string;
  opset: number;
  attributes?: Record<string, AttributeValue>;
  /** Fed inputs in order; a Tensor in `weights` position makes that input a constant. */
  inputs: { name: string; dtype: DType; shape: Shape | null }[];
  weights?: Record<string, Tensor>;
  /** Input names of the node in order ('' for omitted); defaults to inputs then weights. */
  nodeInputs?: string[];
  outputs?: string[];
}

export function buildGraph(spec: NodeSpec): Graph {
  const weights = new Map(Object.entries(spec.weights ?? {}));
  const outputs = spec.outputs ?? ['y'];
  return new Graph({
    format: 'onnx',
    nodes: [
      {
        name: `${spec.op}_node`,
        op: spec.op,
        domain: '',
        inputs: spec.nodeInputs ?? [...spec.inputs.map((i) => i.name), ...weights.keys()],
        outputs,
        attributes: spec.attributes ?? {},
      },
    ],
    inputs: spec.inputs.map((i) => ({ name: i.name, type: { kind: 'tensor' as const, dtype: i.dtype, shape: i.shape } })),
    outputs: outputs.filter((o) => o).map((name) => ({ name, type: null })),
    weights,
    opsetImports: [{ domain: '', version: spec.opset }],
  });
}

export function convertNode(spec: NodeSpec): Network {
  return convertGraph(buildGraph(spec), createOnnxRegistry());
}

/** Converts and runs; returns outputs in node output order. */
export function runNode(spec: NodeSpec, feeds: Record<string, Tensor>): Tensor[] {
  const network = convertNode(spec);
  const result = new ReferenceExecutor().run(network, feeds);
  return network.outputs.map((o) => result.get(o)!);
}

export const int = (value: number): AttributeValue => ({ kind: 'int', value });
export const ints = (value: number[]): AttributeValue => ({ kind: 'ints', value });
export const str = (value: string): AttributeValue => ({ kind: 'string', value });
export const flt = (value: number): AttributeValue => ({ kind: 'float', value });
export const flts = (value: number[]): AttributeValue => ({ kind: 'floats', value });
