/**
 * Dead-layer elimination: layers none of whose outputs reach a network output are removed.
 * Liveness is walked back from the outputs (sub-network captures count as reads), and every
 * dead layer goes in one rewrite so long dead chains (unused weight preprocessing, folded
 * constants' leftovers) do not cost one builder sweep each.
 */
import { LAYER_KINDS, type Network } from '@kiln-inference/core';
import type { BuilderRule } from '../builder-rule.js';
import { indexNetwork, layerCaptures, sameItems } from './network-index.js';

/** Cached per layer list: the live layer set only changes when the list does. */
const liveCache = new WeakMap<Network, { layers: readonly unknown[]; outputs: readonly string[]; live: Set<number> }>();

export const deadLayerElimination: BuilderRule = {
  name: 'dead-layer-elimination',
  targets: LAYER_KINDS,
  condition: ({ network, index }) => !liveLayers(network).has(index),
  apply({ network }) {
    const live = liveLayers(network);
    const removed = network.layers.filter((_, i) => !live.has(i));
    network.layers = network.layers.filter((_, i) => live.has(i));
    for (const layer of removed) for (const o of layer.outputs) if (o) network.tensors.delete(o);
    const names = removed
      .slice(0, 5)
      .map((l) => l.name)
      .join(', ');
    return `removed ${removed.length} dead layer(s): ${names}${removed.length > 5 ? ', …' : ''}`;
  },
};

function liveLayers(network: Network): Set<number> {
  const hit = liveCache.get(network);
  if (hit && sameItems(hit.layers, network.layers) && sameItems(hit.outputs, network.outputs)) return hit.live;
  const live = walkLiveness(network);
  liveCache.set(network, { layers: [...network.layers], outputs: [...network.outputs], live });
  return live;
}

/** Marks producers backwards from the outputs; a live layer's inputs and its bodies' captures are live. */
function walkLiveness(network: Network): Set<number> {
  const { producers } = indexNetwork(network);
  const live = new Set<number>();
  const pending = [...network.outputs];
  while (pending.length > 0) {
    const at = producers.get(pending.pop()!);
    if (at === undefined || live.has(at)) continue;
    live.add(at);
    const layer = network.layers[at]!;
    pending.push(...layer.inputs.filter((v) => v !== ''), ...layerCaptures(layer));
  }
  return live;
}
