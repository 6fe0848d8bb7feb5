/**
 * Resize axes last: a resize of two axes that are not the last two (TF's NHWC ResizeBilinear,
 * axes [1, 2]) becomes transpose → resize of the last two axes → transpose back. The native
 * `resize2d` op scales the last two dims only, so without this the resize, and everything a
 * partition would otherwise put around it, falls back to the reference kernels; the two
 * transposes are plain data movement, and shuffle cancellation removes the pair between two
 * such resizes. The sizes or scales input is untouched: the resize keeps its `axes` order.
 */
import { type AnyLayer, inferNetwork, type Layer, type Network, type TensorDesc, type ValueFacts } from '@kiln-inference/core';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';

export const resizeAxesLast: BuilderRule = {
  name: 'resize-axes-last',
  targets: ['resize'],
  condition: (match) => plan(match) !== undefined,
  apply({ network, layer, index }) {
    const resize = layer as Layer<'resize'>;
    const { perm, axes } = plan({ network, layer, index })!;
    const inverse = perm.map((_, i) => perm.indexOf(i));
    const x = resize.inputs[0]!;
    const y = resize.outputs[0]!;
    const xLast = permutedTensor(network, `${resize.name}/axes_last_in`, network.tensors.get(x)!, perm);
    const yLast = permutedTensor(network, `${resize.name}/axes_last_out`, network.tensors.get(y)!, perm);
    const { precision, origin } = resize;
    const extra = { ...(precision ? { precision } : {}), ...(origin ? { origin } : {}) };
    const before: AnyLayer = {
      name: network.uniqueName(`${resize.name}/axes_last`),
      kind: 'shuffle',
      inputs: [x],
      outputs: [xLast],
      params: { firstTranspose: perm },
      ...extra,
    };
    const moved: AnyLayer = { ...resize, inputs: [xLast, ...resize.inputs.slice(1)], outputs: [yLast], params: { ...resize.params, axes } };
    const after: AnyLayer = {
      name: network.uniqueName(`${resize.name}/axes_restored`),
      kind: 'shuffle',
      inputs: [yLast],
      outputs: [y],
      params: { firstTranspose: inverse },
      ...extra,
    };
    network.layers.splice(index, 1, before, moved, after);
    return `resize of axes [${resize.params.axes!.join(', ')}] → transpose [${perm.join(', ')}], resize of the last two axes, transpose back`;
  },
};

/**
 * The transpose that moves a two-axis resize's axes last, and its axes after it, or undefined
 * when the rule does not apply (axes already last, not exactly two, or x's rank unknown).
 */
function plan({ network, layer }: RuleMatch): { perm: number[]; axes: number[] } | undefined {
  if (layer.kind !== 'resize' || layer.outputs.length !== 1 || !layer.inputs[0]) return undefined;
  const given = layer.params.axes;
  const xDesc = network.tensors.get(layer.inputs[0]);
  const yDesc = network.tensors.get(layer.outputs[0]!);
  if (!given || given.length !== 2 || !xDesc || !yDesc) return undefined;
  const rank = xDesc.shape?.length ?? inferredRank(network, layer.inputs[0]);
  if (rank === undefined || rank < 3) return undefined;
  if ((xDesc.valueKind ?? 'tensor') !== 'tensor' || (yDesc.shape && yDesc.shape.length !== rank)) return undefined;
  const resized = given.map((a) => (a < 0 ? a + rank : a));
  if (resized.some((a) => a < 0 || a >= rank) || resized[0] === resized[1]) return undefined;
  if (resized.every((a) => a >= rank - 2)) return undefined;
  const ordered = [...resized].sort((a, b) => a - b);
  const perm = [...Array.from({ length: rank }, (_, i) => i).filter((i) => !ordered.includes(i)), ...ordered];
  return { perm, axes: resized.map((a) => perm.indexOf(a)) };
}

/**
 * A tensor's rank from LayerDef inference, for graphs that declare no shapes (TF.js), inferred
 * once per network: the rules' rewrites keep every existing tensor's rank.
 */
const factsByNetwork = new WeakMap<Network, ReadonlyMap<string, ValueFacts>>();
function inferredRank(network: Network, tensor: string): number | undefined {
  let facts = factsByNetwork.get(network);
  if (!facts) {
    facts = inferNetwork(network, { onError: 'declared' });
    factsByNetwork.set(network, facts);
  }
  return facts.get(tensor)?.shape?.length;
}

/** A new tensor like `desc` with its dims in `perm` order (unknown dims stay unknown). */
function permutedTensor(network: Network, base: string, desc: TensorDesc, perm: readonly number[]): string {
  const name = network.uniqueName(base);
  const shape = desc.shape ? perm.map((p) => desc.shape![p] ?? null) : undefined;
  network.tensors.set(name, { ...desc, name, ...(shape ? { shape } : {}) });
  return name;
}
