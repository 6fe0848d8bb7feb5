/**
 * Lowering one node to the kiln layers it converts to, so a backend's layer table can judge
 * it. The node is cut out with its inputs as graph inputs and converted on its own.
 */

import { type ConverterRegistry, convertGraph } from '@kiln-inference/converters';
import { type AnyLayer, type Graph, type GraphNode, Network, type ValueInfo } from '@kiln-inference/core';
import { extractSubgraph } from './extract-subgraph.js';

export type LoweringResult = { ok: true; layers: AnyLayer[] } | { ok: false; reason: string };

export type NodeLowering = (graph: Graph, node: GraphNode) => LoweringResult;

/** The node as a one-node graph whose inputs are what it reads and whose outputs are what it writes. */
export function isolateNode(graph: Graph, node: GraphNode): Graph {
  return extractSubgraph(graph, [node], {
    name: node.name || `${node.op}_isolated`,
    outputs: node.outputs.filter((o) => o !== ''),
  });
}

/**
 * Inputs whose type the source graph does not know (no shape inference ran) are assumed to be
 * float32 of unknown shape: converters pick layer kinds by op, rarely by dtype, and an unknown
 * type would otherwise make every such node unanswerable.
 */
function assumeFloatWhereUntyped(inputs: ValueInfo[]): ValueInfo[] {
  return inputs.map((i) => (i.type === null ? { ...i, type: { kind: 'tensor', dtype: 'float32', shape: null } } : i));
}

/** Every layer of a network, including those inside control-flow bodies. */
export function allLayers(network: Network): AnyLayer[] {
  const layers: AnyLayer[] = [];
  for (const layer of network.layers) {
    layers.push(layer);
    for (const value of Object.values(layer.params as object)) {
      if (value instanceof Network) layers.push(...allLayers(value));
    }
  }
  return layers;
}

export function registryLowering(registry: ConverterRegistry): NodeLowering {
  return (graph, node) => {
    const isolated = isolateNode(graph, node);
    isolated.inputs = assumeFloatWhereUntyped(isolated.inputs);
    try {
      return { ok: true, layers: allLayers(convertGraph(isolated, registry)) };
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  };
}
