/**
 * What each layer reads, for liveness: its inputs plus the outer tensors its sub-networks
 * (conditional branches, loop and scan bodies) read by name. Captures are real reads even when a
 * converter did not also list them as layer inputs, so a buffer must outlive them.
 */
import type { AnyLayer, Network } from '@kiln-inference/core';
import { subNetworks } from '../plan/walk-network.js';

/** Distinct tensor names the layer reads, in first-use order. */
export function layerReads(layer: AnyLayer): string[] {
  const reads = new Set<string>();
  for (const v of layer.inputs) if (v) reads.add(v);
  for (const sub of subNetworks(layer)) for (const v of namesFromOutside(sub)) reads.add(v);
  return [...reads];
}

/**
 * Names a sub-network refers to without producing them itself: its declared inputs, what its
 * layers and nested sub-networks read, and its outputs. Some are the sub-network's own formal
 * inputs (loop iteration, carried values); callers keep only names of the enclosing network, so
 * listing a few extra names can only lengthen a lifetime, never shorten one.
 */
function namesFromOutside(sub: Network): Set<string> {
  const produced = new Set<string>();
  for (const l of sub.layers) for (const o of l.outputs) if (o) produced.add(o);
  const names = new Set<string>();
  const note = (v: string): void => {
    if (v && !produced.has(v)) names.add(v);
  };
  for (const i of sub.inputs) note(i.name);
  for (const l of sub.layers) for (const v of layerReads(l)) note(v);
  for (const o of sub.outputs) note(o);
  return names;
}
