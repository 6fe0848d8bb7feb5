/**
 * replaceOps: every node that matches becomes a plugin node with the same name, inputs and
 * outputs — an op the backends lack, or one a user wants computed their own way.
 */
import { ErrorCode, type Graph, type GraphNode, KilnError } from '@kiln-inference/core';
import type { PluginNode } from './define-plugin.js';
import { pluginGraphNode, withNodes } from './plugin-graph-node.js';

/** An op type ('Relu6'), a filter on op, domain and node name, or a predicate. */
export type OpMatch = string | { op?: string; domain?: string; name?: string | RegExp } | ((node: GraphNode) => boolean);

function matcher(match: OpMatch): (node: GraphNode) => boolean {
  if (typeof match === 'function') return match;
  if (typeof match === 'string') return (n) => n.op === match;
  return (n) =>
    (match.op === undefined || n.op === match.op) &&
    (match.domain === undefined || n.domain === match.domain) &&
    (match.name === undefined || (typeof match.name === 'string' ? n.name === match.name : match.name.test(n.name)));
}

/**
 * A copy of `graph` with each matching node replaced by `replacement` (or what it returns for
 * the node: fields may come from the node's attributes; undefined keeps the node).
 */
export function replaceOps(graph: Graph, match: OpMatch, replacement: PluginNode | ((node: GraphNode) => PluginNode | undefined)): Graph {
  const matches = matcher(match);
  const used = new Set<string>();
  let count = 0;
  const nodes = graph.nodes.map((n) => {
    if (!matches(n)) return n;
    const r = typeof replacement === 'function' ? replacement(n) : replacement;
    if (!r) return n;
    count++;
    used.add(r.plugin.namespace);
    return pluginGraphNode(r, {
      name: n.name,
      inputs: [...n.inputs],
      outputs: [...n.outputs],
      ...(n.controlInputs ? { controlInputs: [...n.controlInputs] } : {}),
    });
  });
  if (count === 0) {
    const ops = [...new Set(graph.nodes.map((n) => n.op))].sort().slice(0, 20);
    throw new KilnError(
      ErrorCode.INVALID_ARGUMENT,
      `replaceOps: no node matches ${typeof match === 'function' ? 'the predicate' : JSON.stringify(match)}`,
      {
        hint: `the graph's ops include: ${ops.join(', ')}`,
      },
    );
  }
  return withNodes(graph, nodes, used);
}
