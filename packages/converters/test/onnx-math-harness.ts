/**
 * Builds one-node ONNX graphs by hand and runs them: the math converter tests assert values
 * through convertGraph → ReferenceExecutor, and validator verdicts through checkSupport.
 */
import { type AttributeValue, type DType, Graph, type Network, type Shape, type Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { checkSupport, convertGraph, createOnnxRegistry, type Support } from '../src/index.js';

export interface NodeSpec {
  op: string;
  /** Graph inputs fed at run time, in node-input order unless `nodeInputs` says otherwise. */
  feeds?: Record<string, Tensor>;
  /** Initializers (constant inputs). */
  weights?: Record<string, Tensor>;
  /** The node's input names ('' = omitted); defaults to feeds then weights in insertion order. */
  nodeInputs?: string[];
  outputs?: string[];
  attributes?: Record<string, AttributeValue>;
  opset?: number;
  /** Declared input shapes (defaults to the fed tensor's shape). */
  shapes?: Record<string, Shape | null>;
}

export function buildGraph(spec: NodeSpec): Graph {
  const feeds = spec.feeds ?? {};
  const weights = spec.weights ?? {};
  const outputs = spec.outputs ?? ['y'];
  const inputs = spec.nodeInputs ?? [...Object.keys(feeds), ...Object.keys(weights)];
  const tensorType = (dtype: DType, shape: Shape | null) => ({ kind: 'tensor' as const, dtype, shape });
  return new Graph({
    format: 'onnx',
    name: `${spec.op}_test`,
    nodes: [{ name: `${spec.op}_node`, op: spec.op, domain: '', inputs, outputs, attributes: spec.attributes ?? {} }],
    inputs: Object.entries(feeds).map(([name, t]) => ({
      name,
      type: tensorType(t.dtype, spec.shapes?.[name] !== undefined ? spec.shapes[name]! : t.shape),
    })),
    outputs: outputs.map((name) => ({ name, type: null })),
    weights: new Map(Object.entries(weights)),
    opsetImports: [{ domain: '', version: spec.opset ?? 21 }],
  });
}

export function convertNode(spec: NodeSpec): Network {
  return convertGraph(buildGraph(spec), createOnnxRegistry());
}

/** Converts and runs the node; returns its outputs in order. */
export function runNode(spec: NodeSpec): Tensor[] {
  const network = convertNode(spec);
  const result = new ReferenceExecutor().run(network, new Map(Object.entries(spec.feeds ?? {})));
  return network.outputs.map((o) => result.get(o)!);
}

export function supportOf(spec: NodeSpec): Support {
  const graph = buildGraph(spec);
  const { converter: _ignored, ...verdict } = checkSupport(createOnnxRegistry(), graph, graph.nodes[0]!);
  return verdict;
}

export const int = (value: number): AttributeValue => ({ kind: 'int', value });
export const float = (value: number): AttributeValue => ({ kind: 'float', value });
export const ints = (value: number[]): AttributeValue => ({ kind: 'ints', value });
export const str = (value: string): AttributeValue => ({ kind: 'string', value });
export const tensorAttr = (value: Tensor): AttributeValue => ({ kind: 'tensor', value });
