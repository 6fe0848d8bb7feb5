/**
 * Builds small TF-domain Graphs by hand for converter tests (no parser involved) and runs
 * them through the TF converters on the reference executor.
 */
import { type AttributeValue, type DType, Graph, type GraphNode, type Shape, type Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { convertGraph, createTfRegistry } from '../src/index.js';

export const a = {
  i: (value: number): AttributeValue => ({ kind: 'int', value }),
  f: (value: number): AttributeValue => ({ kind: 'float', value }),
  b: (value: boolean): AttributeValue => ({ kind: 'bool', value }),
  s: (value: string): AttributeValue => ({ kind: 'string', value }),
  ints: (value: number[]): AttributeValue => ({ kind: 'ints', value }),
  strings: (value: string[]): AttributeValue => ({ kind: 'strings', value }),
  type: (value: DType): AttributeValue => ({ kind: 'type', value }),
};

export interface NodeSpec {
  name: string;
  op: string;
  inputs: string[];
  attrs?: Record<string, AttributeValue>;
  /** Number of outputs (name, name:1, …); default 1. */
  outputs?: number;
}

export interface TfTestGraph {
  inputs?: Record<string, { dtype: DType; shape: Shape | null }>;
  weights?: Record<string, Tensor>;
  nodes: NodeSpec[];
  outputs: string[];
}

export function tfGraph(spec: TfTestGraph): Graph {
  const nodes: GraphNode[] = spec.nodes.map((n) => ({
    name: n.name,
    op: n.op,
    domain: 'tf',
    inputs: n.inputs,
    outputs: Array.from({ length: n.outputs ?? 1 }, (_, i) => (i === 0 ? n.name : `${n.name}:${i}`)),
    attributes: n.attrs ?? {},
  }));
  return new Graph({
    format: 'tf',
    nodes,
    inputs: Object.entries(spec.inputs ?? {}).map(([name, t]) => ({ name, type: { kind: 'tensor', dtype: t.dtype, shape: t.shape } })),
    outputs: spec.outputs.map((name) => ({ name, type: null })),
    weights: new Map(Object.entries(spec.weights ?? {})),
  });
}

/** Converts and runs; returns outputs by name. */
export function runTf(spec: TfTestGraph, feeds: Record<string, Tensor> = {}): Map<string, Tensor> {
  const network = convertGraph(tfGraph(spec), createTfRegistry());
  return new ReferenceExecutor().run(network, feeds);
}

/** Runs a graph of one node reading inputs x0… (fed) and weights, returning its outputs. */
export function runOp(
  op: string,
  inputs: (Tensor | { weight: Tensor })[],
  attrs: Record<string, AttributeValue> = {},
  outputs = 1,
): Tensor[] {
  const feeds: Record<string, Tensor> = {};
  const weights: Record<string, Tensor> = {};
  const graphInputs: Record<string, { dtype: DType; shape: Shape | null }> = {};
  const names = inputs.map((t, i) => {
    if ('weight' in t) {
      weights[`w${i}`] = t.weight;
      return `w${i}`;
    }
    feeds[`x${i}`] = t;
    graphInputs[`x${i}`] = { dtype: t.dtype, shape: t.shape };
    return `x${i}`;
  });
  const outNames = Array.from({ length: outputs }, (_, i) => (i === 0 ? 'op' : `op:${i}`));
  const result = runTf(
    { inputs: graphInputs, weights, nodes: [{ name: 'op', op, inputs: names, attrs, outputs }], outputs: outNames },
    feeds,
  );
  return outNames.map((n) => result.get(n)!);
}
