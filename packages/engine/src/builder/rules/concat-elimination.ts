/**
 * Concat elimination: a `concatenation` whose inputs can be written straight into slices of its
 * output gets `params.inPlace = true`, and the memory planner then lets each producer write there
 * so the copy vanishes. That needs each input to be a contiguous slice of the output (the dims
 * before the axis multiply to 1, statically known: batch 1 for a channel concat), produced by a
 * non-constant layer of this network (network inputs and weights live elsewhere), listed once
 * and read by no other in-place concatenation (a buffer has one home).
 *
 * Later rewrites may change a producer (identity removal rewiring an input to a network input,
 * say), so the rule also clears a flag whose conditions no longer hold.
 */
import type { AnyLayer, Layer } from '@kiln-inference/core';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { indexNetwork } from './network-index.js';

export const concatElimination: BuilderRule = {
  name: 'concat-elimination',
  targets: ['concatenation'],
  condition: (match) => match.layer.kind === 'concatenation' && (match.layer.params.inPlace ?? false) !== canBeInPlace(match),
  apply({ network, layer, index }) {
    const concat = layer as Layer<'concatenation'>;
    const inPlace = !concat.params.inPlace;
    const params = { ...concat.params };
    if (inPlace) params.inPlace = true;
    else delete params.inPlace;
    network.layers[index] = { ...concat, params } as AnyLayer;
    return inPlace
      ? `${concat.inputs.length} inputs are written into slices of '${concat.outputs[0]}' (in place)`
      : `no longer in place: an input of '${concat.outputs[0]}' cannot write into it`;
  },
};

function canBeInPlace({ network, layer, index: at }: RuleMatch): boolean {
  if (layer.kind !== 'concatenation' || layer.outputs.length !== 1 || layer.inputs.length === 0) return false;
  const shape = network.tensors.get(layer.outputs[0]!)?.shape;
  if (!shape || shape.length === 0) return false;
  const axis = layer.params.axis < 0 ? layer.params.axis + shape.length : layer.params.axis;
  if (axis < 0 || axis >= shape.length) return false;
  let outer = 1;
  for (const d of shape.slice(0, axis)) {
    if (typeof d !== 'number') return false;
    outer *= d;
  }
  if (outer !== 1) return false;
  if (new Set(layer.inputs).size !== layer.inputs.length) return false;
  const index = indexNetwork(network);
  return layer.inputs.every((input) => {
    if (!input) return false;
    const producer = index.producers.get(input);
    if (producer === undefined || network.layers[producer]!.kind === 'constant') return false;
    return (index.readers.get(input) ?? []).every((r) => {
      if (r === at) return true;
      const reader = network.layers[r]!;
      return !(reader.kind === 'concatenation' && reader.params.inPlace);
    });
  });
}
