/**
 * One graph node that runs a plugin: domain = the plugin's namespace, op = its name, the
 * checked fields as attributes and the version in `kiln_plugin_version`, which is what the
 * registry's converters read back. Shared by every surgery that puts plugins into graphs.
 */
import { Graph, type GraphNode } from '@kiln-inference/core';
import type { PluginNode } from './define-plugin.js';
import { fieldsToAttributes, PLUGIN_VERSION_ATTRIBUTE } from './node-fields.js';

export function pluginGraphNode(
  replacement: PluginNode,
  wiring: { name: string; inputs: string[]; outputs: string[]; controlInputs?: string[] },
): GraphNode {
  const { plugin, fields } = replacement;
  return {
    name: wiring.name,
    op: plugin.name,
    domain: plugin.namespace,
    inputs: wiring.inputs,
    outputs: wiring.outputs,
    attributes: { ...fieldsToAttributes(plugin.fields, fields), [PLUGIN_VERSION_ATTRIBUTE]: { kind: 'string', value: plugin.version } },
    ...(wiring.controlInputs && wiring.controlInputs.length > 0 ? { controlInputs: wiring.controlInputs } : {}),
  };
}

/**
 * A copy of `graph` with `nodes` (sorted producers-first, so a cycle the edit made is a
 * GRAPH_CYCLE naming a node) and weights nothing reads any more dropped. ONNX graphs gain an
 * opset import for each plugin namespace, so the edited graph still exports as a valid model.
 */
export function withNodes(graph: Graph, nodes: GraphNode[], pluginNamespaces: Iterable<string>): Graph {
  const read = new Set(nodes.flatMap((n) => n.inputs));
  for (const o of graph.outputs) read.add(o.name);
  const opsetImports = [...graph.opsetImports];
  if (graph.format === 'onnx') {
    for (const ns of pluginNamespaces) if (!opsetImports.some((o) => o.domain === ns)) opsetImports.push({ domain: ns, version: 1 });
  }
  const copy = new Graph({
    format: graph.format,
    name: graph.name,
    nodes,
    inputs: [...graph.inputs],
    outputs: [...graph.outputs],
    weights: new Map([...graph.weights].filter(([name]) => read.has(name) || graph.inputs.some((i) => i.name === name))),
    valueInfo: new Map(graph.valueInfo),
    opsetImports,
    functions: [...graph.functions],
    metadata: { ...graph.metadata },
  });
  copy.nodes = copy.sortedNodes();
  return copy;
}
