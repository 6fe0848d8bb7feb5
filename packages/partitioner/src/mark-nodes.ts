/**
 * Marking: asks the oracle about every node not excluded by the user. The result is null for
 * a candidate, or the reason the node must stay on the fallback backend.
 */
import type { Graph } from '@kiln-inference/core';
import type { CapabilityOracle } from './capability.js';
import type { ResolvedPartitionOptions } from './partition-options.js';
import type { FallbackReason } from './segment.js';

export function markNodes(graph: Graph, oracle: CapabilityOracle, options: ResolvedPartitionOptions): (FallbackReason | null)[] {
  const excludedNodes = new Set(options.excludeNodes);
  const excludedOps = new Set(options.excludeOps);
  return graph.nodes.map((node) => {
    if (excludedNodes.has(node.name)) return { category: 'excluded', reason: `node '${node.name}' is in excludeNodes` };
    if (excludedOps.has(node.op)) return { category: 'excluded', reason: `op ${node.op} is in excludeOps` };
    const verdict = oracle.supports(graph, node);
    return verdict.supported ? null : { category: verdict.category, reason: verdict.reason };
  });
}
