/**
 * Scale folding (BatchNorm folding): a `convolution` or `matrix_multiply` with constant weights
 * whose only reader is a per-output-channel `scale` y = x·a + shift (power absent or 1) absorbs
 * it: w' = w·a per output channel and b' = a·b + shift. A convolution takes b' as its bias
 * input and the scale layer disappears; a matmul has no bias input, so its multiplier folds
 * into the weights and a shift-only scale stays behind.
 */
import { type AnyLayer, type Layer, type Network, Tensor } from '@kiln-inference/core';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { constantValue, indexNetwork, type NetworkIndex } from './network-index.js';

/** Folding rounds weights once; only dtypes where that is well below the kernels' own error. */
const FOLDABLE_DTYPES = new Set(['float32', 'float64']);

interface Fold {
  producer: Layer<'convolution'> | Layer<'matrix_multiply'>;
  scaleLayer: Layer<'scale'>;
  scaleIndex: number;
  weights: Tensor;
  bias?: Tensor;
  /** Per output channel multiplier and shift (length = output channels). */
  multiplier: Float64Array;
  shift?: Float64Array;
  shiftTensor?: string;
  /** Axis of `weights` that indexes output channels. */
  channelAxisOfWeights: number;
}

export const scaleFolding: BuilderRule = {
  name: 'scale-folding',
  targets: ['convolution', 'matrix_multiply'],
  condition: (match) => findFold(match) !== undefined,
  apply(match) {
    const fold = findFold(match)!;
    const { network, index } = match;
    const weights = constantLayer(network, `${fold.producer.name}/folded_weights`, scaledWeights(fold));
    if (fold.producer.kind === 'convolution') {
      network.layers.splice(fold.scaleIndex, 1);
      const bias = constantLayer(network, `${fold.producer.name}/folded_bias`, foldedBias(fold));
      const conv = withIO(fold.producer, [fold.producer.inputs[0]!, weights.outputs[0]!, bias.outputs[0]!], fold.scaleLayer.outputs);
      network.tensors.delete(fold.producer.outputs[0]!);
      network.layers.splice(index, 1, weights, bias, conv);
      return `folded scale '${fold.scaleLayer.name}' into convolution weights and bias`;
    }
    const matmul = withIO(
      fold.producer,
      [fold.producer.inputs[0]!, weights.outputs[0]!],
      fold.shift ? fold.producer.outputs : fold.scaleLayer.outputs,
    );
    // The shift-only scale stays where the scale was: its shift constant may be written after the matmul.
    if (fold.shift) {
      network.layers[fold.scaleIndex] = withIO(
        fold.scaleLayer,
        [fold.producer.outputs[0]!, fold.shiftTensor!, '', ''],
        fold.scaleLayer.outputs,
      );
    } else {
      network.layers.splice(fold.scaleIndex, 1);
      network.tensors.delete(fold.producer.outputs[0]!);
    }
    network.layers.splice(index, 1, weights, matmul);
    return `folded the multiplier of scale '${fold.scaleLayer.name}' into matmul weights${fold.shift ? ' (shift kept)' : ''}`;
  },
};

function withIO<L extends AnyLayer>(layer: L, inputs: string[], outputs: string[]): L {
  return { ...layer, inputs, outputs };
}

function constantLayer(network: Network, base: string, value: Tensor): AnyLayer {
  const name = network.uniqueName(base);
  network.tensors.set(name, { name, dtype: value.dtype, shape: [...value.shape] });
  return { name, kind: 'constant', inputs: [], outputs: [name], params: { value } } as AnyLayer;
}

function findFold({ network, layer }: RuleMatch): Fold | undefined {
  if (layer.kind !== 'convolution' && layer.kind !== 'matrix_multiply') return undefined;
  if (layer.params.epilogue || layer.outputs.length !== 1) return undefined;
  const index = indexNetwork(network);
  const consumer = soleReader(network, index, layer.outputs[0]!);
  if (consumer?.layer.kind !== 'scale' || consumer.layer.inputs[0] !== layer.outputs[0]) return undefined;
  const scaleLayer = consumer.layer;
  const dtype = network.tensors.get(layer.outputs[0]!)?.dtype;
  if (!dtype || !FOLDABLE_DTYPES.has(dtype) || network.tensors.get(scaleLayer.outputs[0]!)?.dtype !== dtype) return undefined;
  const weights = constantValue(network, index, layer.inputs[1] ?? '');
  if (!weights || weights.dtype !== dtype) return undefined;
  const channelAxisOfWeights = weightChannelAxis(network, layer, scaleLayer, weights);
  if (channelAxisOfWeights === undefined) return undefined;
  const channels = weights.shape[channelAxisOfWeights]!;
  const params = scaleParams(network, index, scaleLayer, channels);
  if (!params) return undefined;
  // A matmul keeps a shift-only scale: require a multiplier so that scale is not matched again.
  if (layer.kind === 'matrix_multiply' && !scaleLayer.inputs[2]) return undefined;
  let bias: Tensor | undefined;
  if (layer.kind === 'convolution' && layer.inputs[2]) {
    bias = constantValue(network, index, layer.inputs[2]);
    if (!bias || bias.size !== channels) return undefined;
  }
  return { producer: layer, scaleLayer, scaleIndex: consumer.at, weights, bias, channelAxisOfWeights, ...params };
}

function soleReader(network: Network, index: NetworkIndex, tensor: string): { layer: AnyLayer; at: number } | undefined {
  if (index.outputs.has(tensor) || index.captured.has(tensor)) return undefined;
  const readers = index.readers.get(tensor) ?? [];
  if (readers.length !== 1) return undefined;
  return { layer: network.layers[readers[0]!]!, at: readers[0]! };
}

/** Which weight axis holds output channels, when the scale's channel axis is the producer's channel axis. */
function weightChannelAxis(network: Network, layer: AnyLayer, scaleLayer: Layer<'scale'>, weights: Tensor): number | undefined {
  if (scaleLayer.params.mode !== 'channel') return undefined;
  const axis = scaleLayer.params.channelAxis;
  if (layer.kind === 'convolution') {
    if (layer.params.layout === 'channels_last' || weights.rank < 3) return undefined;
    return axis === 1 ? 0 : undefined;
  }
  if (layer.kind !== 'matrix_multiply' || weights.rank < 2) return undefined;
  const rank = network.tensors.get(layer.outputs[0]!)?.shape?.length;
  const isLastAxis = axis === -1 || (rank !== undefined && axis === rank - 1);
  if (!isLastAxis) return undefined;
  return layer.params.transposeB ? weights.rank - 2 : weights.rank - 1;
}

/** Constant multiplier/shift of the scale layer (power absent or all ones), each of `channels` values. */
function scaleParams(
  network: Network,
  index: NetworkIndex,
  scaleLayer: Layer<'scale'>,
  channels: number,
): { multiplier: Float64Array; shift?: Float64Array; shiftTensor?: string } | undefined {
  const [, shiftName = '', scaleName = '', powerName = ''] = scaleLayer.inputs;
  const values = [shiftName, scaleName, powerName].map((n) => (n ? constantValue(network, index, n) : undefined));
  if ([shiftName, scaleName, powerName].some((n, i) => n && !values[i])) return undefined;
  const [shift, scale, power] = values;
  if ([shift, scale, power].some((t) => t && t.size !== channels)) return undefined;
  if (power && !power.toFloat64().every((p) => p === 1)) return undefined;
  const multiplier = scale ? scale.toFloat64() : new Float64Array(channels).fill(1);
  return shift ? { multiplier, shift: shift.toFloat64(), shiftTensor: shiftName } : { multiplier };
}

function scaledWeights(fold: Fold): Tensor {
  const { weights, multiplier, channelAxisOfWeights: axis } = fold;
  const values = weights.toFloat64();
  const inner = weights.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = weights.shape[axis]!;
  for (let i = 0; i < values.length; i++) values[i]! *= multiplier[Math.floor(i / inner) % channels]!;
  return Tensor.fromValues(weights.dtype, weights.shape, values);
}

function foldedBias(fold: Fold): Tensor {
  const { multiplier, shift, bias, weights } = fold;
  const b = bias?.toFloat64();
  const values = multiplier.map((a, c) => a * (b?.[c] ?? 0) + (shift?.[c] ?? 0));
  return Tensor.fromValues(bias?.dtype ?? weights.dtype, [multiplier.length], values);
}
