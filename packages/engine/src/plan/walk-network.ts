/** Visits a network and every sub-network its conditional/loop/scan layers hold. */
import { type AnyLayer, Network } from '@kiln-inference/core';

export function forEachNetwork(network: Network, visit: (n: Network) => void): void {
  visit(network);
  for (const layer of network.layers) for (const sub of subNetworks(layer)) forEachNetwork(sub, visit);
}

export function subNetworks(layer: AnyLayer): Network[] {
  return Object.values(layer.params as Record<string, unknown>).filter((v): v is Network => v instanceof Network);
}
