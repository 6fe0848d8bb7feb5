/**
 * Scale merging: two consecutive affine `scale` layers on one tensor, y = (x·a1 + b1)·a2 + b2,
 * become one, y = x·(a1·a2) + (b1·a2 + b2), when the first one's result is read only by the
 * second. Uniform and per-channel (same axis) scales combine; a power other than 1 and
 * elementwise mode stay as they are. BatchNorm written as Mul + Add ends up as one scale.
 */
import { type AnyLayer, isFloatDType, type Layer, type Network, Tensor } from '@kiln-inference/core';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { constantValue, indexNetwork, type NetworkIndex } from './network-index.js';
import { newConstantLayer, soleReader } from './rewrite-helpers.js';

interface Affine {
  layer: Layer<'scale'>;
  multiplier?: Float64Array;
  shift?: Float64Array;
  /** Normalised channel axis, or undefined for uniform. */
  axis?: number;
}

interface Merge {
  first: Affine;
  firstIndex: number;
  second: Affine;
  channels: number;
}

export const scaleMerging: BuilderRule = {
  name: 'scale-merging',
  targets: ['scale'],
  condition: (match) => findMerge(match) !== undefined,
  apply(match) {
    const { first, firstIndex, second, channels } = findMerge(match)!;
    const { network, index } = match;
    const at = (part: Float64Array | undefined, c: number) => (part ? (part.length === 1 ? part[0]! : part[c]!) : undefined);
    const multiplier = new Float64Array(channels);
    const shift = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      const a1 = at(first.multiplier, c) ?? 1;
      const a2 = at(second.multiplier, c) ?? 1;
      multiplier[c] = a1 * a2;
      shift[c] = (at(first.shift, c) ?? 0) * a2 + (at(second.shift, c) ?? 0);
    }
    const dtype = network.tensors.get(second.layer.outputs[0]!)!.dtype;
    const added: AnyLayer[] = [];
    const input = (values: Float64Array, present: boolean, suffix: string) => {
      if (!present) return '';
      const constant = newConstantLayer(network, `${second.layer.name}/merged_${suffix}`, Tensor.fromValues(dtype, [channels], values));
      added.push(constant);
      return constant.outputs[0]!;
    };
    const shiftName = input(shift, first.shift !== undefined || second.shift !== undefined, 'shift');
    const scaleName = input(multiplier, first.multiplier !== undefined || second.multiplier !== undefined, 'scale');
    const axis = first.axis ?? second.axis;
    const merged: Layer<'scale'> = {
      ...second.layer,
      inputs: [first.layer.inputs[0]!, shiftName, scaleName],
      params: axis === undefined ? { mode: 'uniform', channelAxis: 0 } : { mode: 'channel', channelAxis: axis },
    };
    // The merged layer sits where the second one was; the first (earlier) one goes.
    network.layers.splice(index, 1, ...added, merged as AnyLayer);
    network.layers.splice(firstIndex, 1);
    network.tensors.delete(first.layer.outputs[0]!);
    return `merged scale '${first.layer.name}' into '${second.layer.name}' (${axis === undefined ? 'uniform' : `channel axis ${axis}`})`;
  },
};

function findMerge({ network, layer }: RuleMatch): Merge | undefined {
  if (layer.kind !== 'scale' || layer.outputs.length !== 1) return undefined;
  const index = indexNetwork(network);
  const x = layer.inputs[0] ?? '';
  const firstIndex = index.producers.get(x);
  if (firstIndex === undefined) return undefined;
  const firstLayer = network.layers[firstIndex]!;
  if (firstLayer.kind !== 'scale' || firstLayer.outputs.length !== 1 || !firstLayer.inputs[0]) return undefined;
  if (soleReader(network, index, x)?.layer !== layer) return undefined;
  const dtype = network.tensors.get(x)?.dtype;
  if (!dtype || !isFloatDType(dtype) || network.tensors.get(layer.outputs[0]!)?.dtype !== dtype) return undefined;
  if (network.tensors.get(firstLayer.inputs[0])?.dtype !== dtype) return undefined;
  const rank = network.tensors.get(x)?.shape?.length;
  const first = affineOf(network, index, firstLayer, rank);
  const second = affineOf(network, index, layer, rank);
  if (!first || !second) return undefined;
  if (first.axis !== undefined && second.axis !== undefined && first.axis !== second.axis) return undefined;
  const sizes = [first, second].flatMap((s) => [s.multiplier?.length, s.shift?.length]).filter((n): n is number => n !== undefined);
  const channels = Math.max(1, ...sizes);
  // Channel parameters have one value per channel, uniform ones a single value (the kernel checks both).
  for (const s of [first, second]) {
    const expected = s.axis === undefined ? 1 : channels;
    if ([s.multiplier, s.shift].some((p) => p && p.length !== expected)) return undefined;
  }
  return { first, firstIndex, second, channels };
}

/** The constant multiplier and shift of an affine scale (no power, or power 1), with its axis normalised. */
function affineOf(network: Network, index: NetworkIndex, layer: Layer<'scale'>, rank: number | undefined): Affine | undefined {
  const { mode, channelAxis } = layer.params;
  if (mode === 'elementwise') return undefined;
  let axis: number | undefined;
  if (mode === 'channel') {
    if (channelAxis < 0 && rank === undefined) return undefined;
    axis = channelAxis < 0 ? channelAxis + rank! : channelAxis;
    if (axis < 0 || (rank !== undefined && axis >= rank)) return undefined;
  }
  const [, shiftName = '', scaleName = '', powerName = ''] = layer.inputs;
  if (layer.inputs.length > 4) return undefined;
  const value = (name: string) => (name ? constantValue(network, index, name) : undefined);
  const [shift, multiplier, power] = [value(shiftName), value(scaleName), value(powerName)];
  if ((shiftName && !shift) || (scaleName && !multiplier) || (powerName && !power)) return undefined;
  if (power && !power.toFloat64().every((p) => p === 1)) return undefined;
  return { layer, axis, ...(shift ? { shift: shift.toFloat64() } : {}), ...(multiplier ? { multiplier: multiplier.toFloat64() } : {}) };
}
