/**
 * Runs a HybridGraph on the reference backend the way the hybrid executor will: steps in
 * order, each engine's sub-graph converted and run as one network, each fallback node
 * converted on its own. Input types come from the tensors actually flowing in, since
 * intermediate values of a source graph often carry no declared type.
 */

import { type ConverterRegistry, convertGraph } from '@kiln-inference/converters';
import { Graph, type Tensor, type ValueInfo } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { type HybridGraph, isolateNode } from '../../src/index.js';

/** A copy of the graph whose inputs are typed by the tensors about to be fed. */
function typedBy(graph: Graph, values: Map<string, Tensor>): Graph {
  const inputs = graph.inputs.map((i): ValueInfo => {
    const t = values.get(i.name);
    return t ? { name: i.name, type: { kind: 'tensor', dtype: t.dtype, shape: [...t.shape] } } : i;
  });
  return new Graph({ ...graph, inputs });
}

function runGraph(graph: Graph, registry: ConverterRegistry, values: Map<string, Tensor>): void {
  const executor = new ReferenceExecutor();
  const network = convertGraph(typedBy(graph, values), registry);
  const feeds = Object.fromEntries(network.inputs.map((i) => [i.name, values.get(i.name)!]));
  for (const [name, tensor] of executor.run(network, feeds)) values.set(name, tensor);
}

export function runHybrid(hybrid: HybridGraph, registry: ConverterRegistry, feeds: Record<string, Tensor>): Map<string, Tensor> {
  const values = new Map(Object.entries(feeds));
  for (const step of hybrid.steps) {
    const graph = step.kind === 'engine' ? step.segment.graph : isolateNode(hybrid.graph, step.node);
    runGraph(graph, registry, values);
  }
  return new Map(hybrid.graph.outputs.map((o) => [o.name, values.get(o.name)!]));
}

export function runWhole(graph: Graph, registry: ConverterRegistry, feeds: Record<string, Tensor>): Map<string, Tensor> {
  const network = convertGraph(graph, registry);
  return new ReferenceExecutor().run(network, feeds);
}
