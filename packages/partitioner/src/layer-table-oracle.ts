/**
 * The backend's layer support table as an oracle. A backend describes what it can run in
 * terms of kiln layers (or, when it knows better, of whole nodes); the oracle lowers each node
 * to the layers it would become and asks the table about every one of them.
 */
import { type AnyLayer, ErrorCode, type Graph, type GraphNode, KilnError, type LayerKind } from '@kiln-inference/core';
import { type Capability, type CapabilityOracle, notSupported, SUPPORTED_CAPABILITY } from './capability.js';
import type { NodeLowering } from './node-lowering.js';

export interface LayerSupportTable {
  /** The backend's name, used in reasons ("cuda"). */
  readonly backend: string;
  /** Whether the backend runs this layer (its kind and, when it matters, its params). */
  supportsLayer?(layer: AnyLayer): Capability;
  /**
   * A direct answer about a node, consulted first; undefined defers to the layers. Lets a
   * backend refuse (or accept) a node without lowering it.
   */
  supportsNode?(graph: Graph, node: GraphNode): Capability | undefined;
}

/** A table that runs exactly the given layer kinds, whatever their params. */
export function layerKindTable(backend: string, kinds: Iterable<LayerKind>): LayerSupportTable {
  const supported = new Set<LayerKind>(kinds);
  return {
    backend,
    supportsLayer(layer) {
      return supported.has(layer.kind)
        ? SUPPORTED_CAPABILITY
        : notSupported('unsupported-layer', `the ${backend} backend has no '${layer.kind}' layer (needed for ${layer.name})`);
    },
  };
}

/**
 * An oracle over a layer table. `lowering` turns a node into the layers it converts to; it is
 * required when the table answers per layer.
 */
export function layerTableOracle(table: LayerSupportTable, lowering?: NodeLowering): CapabilityOracle {
  const perLayer = table.supportsLayer?.bind(table);
  if (perLayer && !lowering) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `the ${table.backend} layer table answers per layer but no node lowering was given`, {
      hint: 'pass registryLowering(registry) as the second argument of layerTableOracle',
    });
  }
  if (!perLayer && !table.supportsNode) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `the ${table.backend} layer table defines neither supportsLayer nor supportsNode`, {
      hint: 'a layer table must answer about layers, nodes, or both',
    });
  }
  return {
    name: `${table.backend} layer table`,
    supports(graph, node): Capability {
      const direct = table.supportsNode?.(graph, node);
      if (direct) return direct;
      if (!perLayer || !lowering) return notSupported('other', `the ${table.backend} backend gave no answer for ${node.op}`);
      const lowered = lowering(graph, node);
      if (!lowered.ok) return notSupported('other', `could not determine the layers of ${node.op}: ${lowered.reason}`);
      for (const layer of lowered.layers) {
        const verdict = perLayer(layer);
        if (!verdict.supported) return verdict;
      }
      return SUPPORTED_CAPABILITY;
    },
  };
}
