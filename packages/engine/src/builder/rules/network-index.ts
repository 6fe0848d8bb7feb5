/**
 * Who produces and who reads each tensor of a network, shared by the builder rules. Rules ask
 * for it in every `condition`, so it is cached per network and rebuilt only when the layer list
 * or the outputs changed (rules replace layers rather than mutate them, so comparing layer
 * identities is enough to notice any rewrite).
 */
import type { AnyLayer, Network, Tensor } from '@kiln-inference/core';
import { subNetworks } from '../../plan/walk-network.js';

export interface NetworkIndex {
  /** Tensor name → index of the layer writing it. */
  producers: Map<string, number>;
  /** Tensor name → indices of the layers reading it (a layer reading twice is listed twice). */
  readers: Map<string, number[]>;
  /** Outer tensors that some sub-network (If/Loop/Scan body) reads by name. */
  captured: Set<string>;
  outputs: Set<string>;
}

interface CacheEntry {
  layers: AnyLayer[];
  outputs: string[];
  index: NetworkIndex;
}

const cache = new WeakMap<Network, CacheEntry>();

export function indexNetwork(network: Network): NetworkIndex {
  const hit = cache.get(network);
  if (hit && sameItems(hit.layers, network.layers) && sameItems(hit.outputs, network.outputs)) return hit.index;
  const index = buildIndex(network);
  cache.set(network, { layers: [...network.layers], outputs: [...network.outputs], index });
  return index;
}

export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function buildIndex(network: Network): NetworkIndex {
  const producers = network.producers();
  const readers = network.consumers();
  const captured = new Set<string>();
  for (const layer of network.layers) for (const name of layerCaptures(layer)) captured.add(name);
  return { producers, readers, captured, outputs: new Set(network.outputs) };
}

/** Outer tensor names the layer's sub-networks (If/Loop/Scan bodies) read. */
export function layerCaptures(layer: AnyLayer): Set<string> {
  const captured = new Set<string>();
  for (const sub of subNetworks(layer)) collectCaptures(sub, captured);
  return captured;
}

/** Names a body reads that it does not produce itself: its declared inputs and free reads, nested bodies included. */
function collectCaptures(body: Network, into: Set<string>): void {
  for (const input of body.inputs) into.add(input.name);
  const own = new Set(body.inputs.map((i) => i.name));
  for (const layer of body.layers) {
    for (const v of layer.inputs) if (v && !own.has(v)) into.add(v);
    for (const o of layer.outputs) own.add(o);
    for (const sub of subNetworks(layer)) collectCaptures(sub, into);
  }
}

/** True when a tensor is read by anything: a layer, a sub-network or the caller. */
export function isUsed(index: NetworkIndex, name: string): boolean {
  return index.outputs.has(name) || index.captured.has(name) || (index.readers.get(name)?.length ?? 0) > 0;
}

/** The value of a tensor written by a `constant` layer, or undefined. */
export function constantValue(network: Network, index: NetworkIndex, name: string): Tensor | undefined {
  if (!name) return undefined;
  const at = index.producers.get(name);
  if (at === undefined) return undefined;
  const layer = network.layers[at]!;
  return layer.kind === 'constant' ? layer.params.value : undefined;
}

/** Replaces the producer of each name by a `constant` layer holding its value; one layer may become several. */
export function constantLayers(network: Network, baseName: string, values: readonly (readonly [string, Tensor])[]): AnyLayer[] {
  return values.map(([output, value], i) => {
    const desc = network.tensors.get(output);
    network.tensors.set(output, { ...(desc ?? { name: output }), name: output, dtype: value.dtype, shape: [...value.shape] });
    const name = values.length === 1 ? baseName : `${baseName}:${i}`;
    return { name, kind: 'constant', inputs: [], outputs: [output], params: { value } } as AnyLayer;
  });
}
