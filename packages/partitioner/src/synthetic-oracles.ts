/**
 * Synthetic oracles for tests, examples and "what if" reports: supported sets given by op,
 * by node name, by predicate, or by a seeded random choice of op types.
 */
import type { Graph, GraphNode } from '@kiln-inference/core';
import { type Capability, type CapabilityCategory, type CapabilityOracle, notSupported, SUPPORTED_CAPABILITY } from './capability.js';

/**
 * Supported when `predicate` returns true; any other return value is the reason for "no".
 * A predicate returning `false` gets a generic reason naming the oracle.
 */
export function predicateOracle(
  name: string,
  predicate: (graph: Graph, node: GraphNode) => true | false | string,
  category: CapabilityCategory = 'unsupported-op',
): CapabilityOracle {
  return {
    name,
    supports(graph, node): Capability {
      const answer = predicate(graph, node);
      if (answer === true) return SUPPORTED_CAPABILITY;
      return notSupported(category, answer === false ? `${name} does not support ${node.op}` : answer);
    },
  };
}

/** Supports exactly the listed op types. */
export function opSetOracle(ops: Iterable<string>, name = 'op set'): CapabilityOracle {
  const supported = new Set(ops);
  return predicateOracle(name, (_g, node) => supported.has(node.op) || `op ${node.op} is not in the ${name}`);
}

/** Supports exactly the nodes with the listed names. */
export function nodeSetOracle(names: Iterable<string>, name = 'node set'): CapabilityOracle {
  const supported = new Set(names);
  return predicateOracle(name, (_g, node) => supported.has(node.name) || `node ${node.name} is not in the ${name}`);
}

/** A small seeded generator (mulberry32) so random choices are reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A reproducible random subset of the given op types: round(fraction × count) of them. */
export function randomOpSubset(ops: Iterable<string>, fraction: number, seed: number): string[] {
  const sorted = [...new Set(ops)].sort();
  const random = seededRandom(seed);
  for (let i = sorted.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [sorted[i], sorted[j]] = [sorted[j]!, sorted[i]!];
  }
  return sorted.slice(0, Math.round(Math.min(1, Math.max(0, fraction)) * sorted.length)).sort();
}

/** An oracle supporting a seeded random `fraction` of the op types present in `graph`. */
export function randomOpOracle(graph: Graph, fraction: number, seed: number): CapabilityOracle {
  return opSetOracle(
    randomOpSubset(
      graph.nodes.map((n) => n.op),
      fraction,
      seed,
    ),
    `random ${Math.round(fraction * 100)}% of op types (seed ${seed})`,
  );
}
