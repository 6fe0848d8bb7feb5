/**
 * Horizontal 1×1 fusion: sibling convolutions reading the same input with 1×1 kernels, constant
 * weights (and constant or no bias), groups 1, identical strides/pads/dilations/padding mode/
 * layout and epilogue activation, and no residual, become one convolution over the concatenated
 * output channels followed by a `split` along the channel axis whose outputs keep the siblings'
 * names. One pass over the input instead of several (Inception's branch heads); the memory
 * planner makes the split outputs views when they are contiguous slices.
 */
import { type AnyLayer, type Layer, type Network, Tensor } from '@kiln-inference/core';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { constantValue, indexNetwork, type NetworkIndex } from './network-index.js';
import { newConstantLayer } from './rewrite-helpers.js';

interface Sibling {
  layer: Layer<'convolution'>;
  at: number;
  weights: Tensor;
  bias?: Tensor;
}

export const horizontalConvFusion: BuilderRule = {
  name: 'horizontal-conv-fusion',
  targets: ['convolution'],
  condition: (match) => siblingsOf(match).length >= 2,
  apply(match) {
    const { network } = match;
    const siblings = siblingsOf(match);
    const first = siblings[0]!.layer;
    const counts = siblings.map((s) => s.weights.shape[0]!);
    const total = counts.reduce((a, b) => a + b, 0);
    const w0 = siblings[0]!.weights;
    const weights = newConstantLayer(
      network,
      `${first.name}/horizontal_weights`,
      Tensor.fromValues(w0.dtype, [total, ...w0.shape.slice(1)], concatValues(siblings.map((s) => s.weights.toFloat64()))),
    );
    const added: AnyLayer[] = [weights];
    let biasName = '';
    if (siblings.some((s) => s.bias)) {
      const dtype = siblings.find((s) => s.bias)!.bias!.dtype;
      const parts = siblings.map((s, i) => s.bias?.toFloat64() ?? new Float64Array(counts[i]!));
      const bias = newConstantLayer(network, `${first.name}/horizontal_bias`, Tensor.fromValues(dtype, [total], concatValues(parts)));
      added.push(bias);
      biasName = bias.outputs[0]!;
    }
    const sizes = newConstantLayer(
      network,
      `${first.name}/horizontal_split`,
      Tensor.fromValues('int64', [counts.length], counts.map(BigInt)),
    );
    const axis = first.params.layout === 'channels_last' ? w0.rank - 1 : 1;
    const fusedOut = network.uniqueName(`${first.name}/horizontal_out`);
    network.tensors.set(fusedOut, {
      name: fusedOut,
      dtype: network.tensors.get(first.outputs[0]!)!.dtype,
      shape: fusedShape(network, siblings, axis, total),
    });
    const conv = {
      ...first,
      name: network.uniqueName(`${first.name}/horizontal`),
      inputs: [first.inputs[0]!, weights.outputs[0]!, biasName],
      outputs: [fusedOut],
    } as AnyLayer;
    const split = {
      name: network.uniqueName(`${first.name}/horizontal_split`),
      kind: 'split',
      inputs: [fusedOut, sizes.outputs[0]!],
      outputs: siblings.map((s) => s.layer.outputs[0]!),
      params: { axis, numOutputs: siblings.length },
    } as AnyLayer;
    // Everything lands where the first sibling was: the shared input exists there and every reader comes later.
    const members = new Set(siblings.map((s) => s.at));
    const layers: AnyLayer[] = [];
    network.layers.forEach((l, i) => {
      if (i === siblings[0]!.at) layers.push(...added, sizes, conv, split);
      else if (!members.has(i)) layers.push(l);
    });
    network.layers = layers;
    return `fused ${siblings.length} sibling 1×1 convolutions (${siblings.map((s) => s.layer.name).join(', ')}) into one with ${total} channels + split`;
  },
};

function concatValues(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function fusedShape(network: Network, siblings: Sibling[], axis: number, total: number): (number | string | null)[] | null {
  const shape = network.tensors.get(siblings[0]!.layer.outputs[0]!)?.shape;
  if (!shape) return null;
  const fused = [...shape];
  fused[axis] = total;
  return fused;
}

/** The siblings (in network order) that fuse with the matched convolution, itself included; empty if none. */
function siblingsOf({ network, layer, index: at }: RuleMatch): Sibling[] {
  const index = indexNetwork(network);
  const self = candidate(network, index, layer, at);
  if (!self) return [];
  const key = fusionKey(network, self);
  const readers = [...new Set(index.readers.get(layer.inputs[0]!) ?? [])].sort((a, b) => a - b);
  const group: Sibling[] = [];
  for (const at of readers) {
    const sibling = candidate(network, index, network.layers[at]!, at);
    if (sibling && fusionKey(network, sibling) === key) group.push(sibling);
  }
  return group.length >= 2 ? group : [];
}

function candidate(network: Network, index: NetworkIndex, layer: AnyLayer, at: number): Sibling | undefined {
  if (layer.kind !== 'convolution' || layer.outputs.length !== 1 || !layer.inputs[0]) return undefined;
  if (layer.inputs.length > 3 || layer.params.groups !== 1 || layer.params.epilogue?.residualInput !== undefined) return undefined;
  const weights = constantValue(network, index, layer.inputs[1] ?? '');
  if (!weights || weights.rank < 3 || !weights.shape.slice(2).every((d) => d === 1)) return undefined;
  if (layer.params.kernelShape.some((d) => d !== 1)) return undefined;
  let bias: Tensor | undefined;
  if (layer.inputs[2]) {
    bias = constantValue(network, index, layer.inputs[2]);
    // Siblings with and without bias mix (zeros fill in), so the bias must share the weights' dtype.
    if (!bias || bias.size !== weights.shape[0] || bias.dtype !== weights.dtype) return undefined;
  }
  return { layer, at, weights, ...(bias ? { bias } : {}) };
}

/** Everything that must be equal for two 1×1 convolutions to share one kernel call. */
function fusionKey(network: Network, s: Sibling): string {
  const p = s.layer.params;
  return JSON.stringify([
    p.strides,
    p.padsBegin,
    p.padsEnd,
    p.dilations,
    p.paddingMode,
    p.layout ?? 'channels_first',
    p.epilogue?.activation ?? null,
    s.layer.precision ?? null,
    s.weights.dtype,
    s.weights.shape.slice(1),
    network.tensors.get(s.layer.outputs[0]!)?.dtype,
  ]);
}
