/**
 * The capability oracle: asks "can the target backend run this node?" and, when the answer is
 * no, always says why. Oracles are small objects so they compose: the converters' validators,
 * the backend's layer table and (later) the plugin registry each answer part of the question.
 */

import type { UnsupportedCategory } from '@kiln-inference/converters';
import type { Graph, GraphNode } from '@kiln-inference/core';

/**
 * Why a node is not supported. The converters' categories, plus 'unsupported-layer' for a node
 * that converts fine but lowers to a layer kind the target backend cannot run.
 */
export type CapabilityCategory = UnsupportedCategory | 'unsupported-layer';

export type Capability = { supported: true } | { supported: false; category: CapabilityCategory; reason: string };

export interface CapabilityOracle {
  /** Shown in reports ("converters", "cuda layer table", …). */
  readonly name: string;
  supports(graph: Graph, node: GraphNode): Capability;
}

export const SUPPORTED_CAPABILITY: Capability = { supported: true };

export function notSupported(category: CapabilityCategory, reason: string): Capability {
  return { supported: false, category, reason };
}
