/**
 * collapseNamespaces: each TensorFlow name scope given (every node named `scope` or
 * `scope/...`) becomes one plugin node, as TF-TRT/graphsurgeon's collapse_namespaces did.
 * The node reads what the scope read from outside (constants inside the scope are gone: the
 * plugin's fields replace them) and produces what the outside read from the scope.
 */
import { ErrorCode, type Graph, type GraphNode, KilnError } from '@kiln-inference/core';
import type { PluginNode } from './define-plugin.js';
import { pluginGraphNode, withNodes } from './plugin-graph-node.js';

function inScope(name: string, scope: string): boolean {
  return name === scope || name.startsWith(`${scope}/`);
}

/** A copy of `graph` with each scope in `replacements` collapsed into its plugin node. */
export function collapseNamespaces(graph: Graph, replacements: Readonly<Record<string, PluginNode>>): Graph {
  let nodes: GraphNode[] = [...graph.nodes];
  for (const [scope, replacement] of Object.entries(replacements)) {
    const inside = nodes.filter((n) => inScope(n.name, scope));
    if (inside.length === 0) {
      const scopes = [...new Set(nodes.map((n) => n.name.split('/')[0]!))].slice(0, 12);
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `collapseNamespaces: no node is in the scope '${scope}'`, {
        hint: `scopes are the node names' leading parts, e.g. ${scopes.join(', ')}`,
      });
    }
    const produced = new Set(inside.flatMap((n) => n.outputs));
    const outside = nodes.filter((n) => !inScope(n.name, scope));
    const inputs: string[] = [];
    for (const n of inside) {
      for (const v of n.inputs) {
        // Values inside the scope, and constants named in it, are the plugin's own business.
        const own = produced.has(v) || (graph.weights.has(v) && inScope(v, scope));
        if (v && !own && !inputs.includes(v)) inputs.push(v);
      }
    }
    const readOutside = new Set([...outside.flatMap((n) => n.inputs), ...graph.outputs.map((o) => o.name)]);
    const outputs = inside.flatMap((n) => n.outputs).filter((v) => readOutside.has(v));
    const controlInputs = [...new Set(inside.flatMap((n) => n.controlInputs ?? []))].filter((c) => !inScope(c, scope));
    const collapsed = pluginGraphNode(replacement, { name: scope, inputs, outputs, controlInputs });
    // Control dependencies name values: one on a value of the scope now waits for the plugin node's first output.
    const waitFor = outputs[0];
    const rewired = outside.map((n) => {
      if (!n.controlInputs?.some((c) => produced.has(c))) return n;
      const controls = n.controlInputs.flatMap((c) => (!produced.has(c) ? [c] : waitFor ? [waitFor] : []));
      return { ...n, controlInputs: [...new Set(controls)] };
    });
    nodes = [...rewired, collapsed];
  }
  return withNodes(
    graph,
    nodes,
    Object.values(replacements).map((r) => r.plugin.namespace),
  );
}
