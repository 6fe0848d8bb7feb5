/**
 * Identity removal: an `identity` layer (or a `cast` to the dtype its input already has) is
 * dropped and its readers read its input instead. Network outputs keep their producer (their
 * names are the caller's contract), and tensors that sub-networks capture by name are left alone
 * because rewiring them would mean renaming inside the bodies.
 */
import type { AnyLayer } from '@kiln-inference/core';
import { subNetworks } from '../../plan/walk-network.js';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { indexNetwork } from './network-index.js';

export const identityRemoval: BuilderRule = {
  name: 'identity-removal',
  targets: ['identity', 'cast'],
  condition: (match) => isPassThrough(match) && canRewire(match),
  apply({ network, layer, index }) {
    const [source] = layer.inputs as [string];
    const [removed] = layer.outputs as [string];
    const readers = indexNetwork(network).readers.get(removed) ?? [];
    for (const at of new Set(readers)) {
      const reader = network.layers[at]!;
      network.layers[at] = { ...reader, inputs: reader.inputs.map((v) => (v === removed ? source : v)) } as AnyLayer;
    }
    network.layers.splice(index, 1);
    network.tensors.delete(removed);
    return `removed ${layer.kind}: ${readers.length} reader(s) of '${removed}' now read '${source}'`;
  },
};

function isPassThrough({ network, layer }: RuleMatch): boolean {
  if (layer.inputs.length !== 1 || layer.outputs.length !== 1 || !layer.inputs[0] || !layer.outputs[0]) return false;
  const input = network.tensors.get(layer.inputs[0]);
  const output = network.tensors.get(layer.outputs[0]);
  if (!input || !output || input.dtype !== output.dtype || (input.valueKind ?? 'tensor') !== (output.valueKind ?? 'tensor')) return false;
  return layer.kind === 'identity' || (layer.kind === 'cast' && layer.params.to === input.dtype);
}

function canRewire({ network, layer }: RuleMatch): boolean {
  const index = indexNetwork(network);
  const output = layer.outputs[0]!;
  if (index.outputs.has(output) || index.captured.has(output)) return false;
  // Readers holding bodies list captures among their inputs; renaming one would desync the body.
  return (index.readers.get(output) ?? []).every((at) => subNetworks(network.layers[at]!).length === 0);
}
