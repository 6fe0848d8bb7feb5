/**
 * Squeeze/unsqueeze cancellation: an `unsqueeze` after a `squeeze` (or the reverse) that gives
 * back the shape the first one started from becomes an `identity` of that original tensor
 * (neither layer moves elements, so equal shapes mean equal tensors); identity removal and
 * dead-layer elimination then drop both. Proven from static shapes, or without them when an
 * unsqueeze's axes are squeezed right away (the same non-negative axes, given as params).
 */
import type { AnyLayer } from '@kiln-inference/core';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { indexNetwork } from './network-index.js';
import { sameDims, staticShape } from './rewrite-helpers.js';

export const squeezeCancellation: BuilderRule = {
  name: 'squeeze-cancellation',
  targets: ['squeeze', 'unsqueeze'],
  condition: (match) => originalOf(match) !== undefined,
  apply({ network, layer, index }) {
    const { source, from } = originalOf({ network, layer, index })!;
    const { name, outputs, precision, origin } = layer;
    network.layers[index] = {
      name,
      kind: 'identity',
      inputs: [source],
      outputs,
      params: {},
      ...(precision ? { precision } : {}),
      ...(origin ? { origin } : {}),
    } as AnyLayer;
    return `${layer.kind} undoes ${from.kind} '${from.name}' → identity of '${source}'`;
  },
};

/** The tensor this layer gives back unchanged (the input of the opposite layer before it). */
function originalOf({ network, layer }: RuleMatch): { source: string; from: AnyLayer } | undefined {
  if ((layer.kind !== 'squeeze' && layer.kind !== 'unsqueeze') || layer.outputs.length !== 1 || !layer.inputs[0]) return undefined;
  const index = indexNetwork(network);
  const at = index.producers.get(layer.inputs[0]);
  const from = at === undefined ? undefined : network.layers[at]!;
  if (from?.outputs.length !== 1 || !from.inputs[0]) return undefined;
  if (!((from.kind === 'squeeze' && layer.kind === 'unsqueeze') || (from.kind === 'unsqueeze' && layer.kind === 'squeeze')))
    return undefined;
  const source = from.inputs[0];
  const sourceDesc = network.tensors.get(source);
  if (!sourceDesc || sourceDesc.dtype !== network.tensors.get(layer.outputs[0]!)?.dtype) return undefined;
  if ((sourceDesc.valueKind ?? 'tensor') !== 'tensor') return undefined;
  const before = staticShape(network, source);
  const after = staticShape(network, layer.outputs[0]!);
  if (before && after) return sameDims(before, after) ? { source, from } : undefined;
  // Without shapes: unsqueeze(axes) then squeeze(axes) is the identity for any input.
  if (from.kind !== 'unsqueeze' || layer.kind !== 'squeeze' || from.inputs[1] || layer.inputs[1]) return undefined;
  const inserted = from.params.axes;
  const removed = layer.params.axes;
  if (!inserted || !removed || inserted.some((a) => a < 0) || removed.some((a) => a < 0)) return undefined;
  const same = new Set(inserted).size === new Set(removed).size && inserted.every((a) => removed.includes(a));
  return same ? { source, from } : undefined;
}
