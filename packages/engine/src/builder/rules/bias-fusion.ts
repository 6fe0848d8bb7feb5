/**
 * Bias fusion: a constant added right after a producer becomes part of it.
 *   - convolution without bias + a constant that is one value or one per output channel →
 *     the convolution's bias input;
 *   - matrix_multiply with constant weights + a constant [N] or [1, N] (N = output columns,
 *     so it only broadcasts over rows and never changes the output shape) → the epilogue's
 *     residual input, which the kernels add exactly as the elementwise add did. A shift-only
 *     scale along the last axis (what scale folding leaves behind a matmul) counts as such an add.
 * The fused layer takes the add's place and output, so the constant is already computed there.
 */
import { type AnyLayer, isFloatDType, type Layer, type Network, Tensor } from '@kiln-inference/core';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { constantValue, indexNetwork, type NetworkIndex } from './network-index.js';
import { broadcastAxis, matmulOutputShape, newConstantLayer, soleReader, staticShape } from './rewrite-helpers.js';

type Producer = Layer<'convolution'> | Layer<'matrix_multiply'>;

interface BiasFusion {
  producer: Producer;
  reader: AnyLayer;
  readerIndex: number;
  /** The constant's tensor name and value. */
  bias: { name: string; value: Tensor };
}

export const biasFusion: BuilderRule = {
  name: 'bias-fusion',
  targets: ['convolution', 'matrix_multiply'],
  condition: (match) => findFusion(match) !== undefined,
  apply({ network, layer, index }) {
    const { producer, reader, readerIndex, bias } = findFusion({ network, layer, index })!;
    const outputs = reader.outputs;
    let fused: AnyLayer;
    const added: AnyLayer[] = [];
    if (producer.kind === 'convolution') {
      const channels = convChannels(network, producer)!;
      const values = bias.value.toFloat64();
      const perChannel = Array.from({ length: channels }, (_, c) => values[values.length === 1 ? 0 : c]!);
      const constant = newConstantLayer(network, `${producer.name}/bias`, Tensor.fromValues(bias.value.dtype, [channels], perChannel));
      added.push(constant);
      fused = { ...producer, inputs: [producer.inputs[0]!, producer.inputs[1]!, constant.outputs[0]!], outputs };
    } else {
      fused = {
        ...producer,
        inputs: [producer.inputs[0]!, producer.inputs[1]!, bias.name],
        outputs,
        params: { ...producer.params, epilogue: { residualInput: 2 } },
      };
    }
    network.layers.splice(readerIndex, 1, ...added, fused);
    network.layers.splice(index, 1);
    network.tensors.delete(producer.outputs[0]!);
    const how = producer.kind === 'convolution' ? 'bias input' : 'epilogue bias';
    return `fused ${reader.kind} '${reader.name}' of ${bias.value.dtype}[${bias.value.shape.join(',')}] as the ${how}`;
  },
};

function findFusion({ network, layer }: RuleMatch): BiasFusion | undefined {
  if (layer.kind !== 'convolution' && layer.kind !== 'matrix_multiply') return undefined;
  if (layer.params.epilogue || layer.outputs.length !== 1 || !layer.inputs[0] || !layer.inputs[1]) return undefined;
  const index = indexNetwork(network);
  const out = layer.outputs[0]!;
  const reader = soleReader(network, index, out);
  if (reader?.layer.outputs.length !== 1) return undefined;
  const dtype = network.tensors.get(out)?.dtype;
  if (!dtype || !isFloatDType(dtype) || network.tensors.get(reader.layer.outputs[0]!)?.dtype !== dtype) return undefined;
  const bias = addedConstant(network, index, reader.layer, out);
  if (!bias || bias.value.dtype !== dtype) return undefined;
  const fits = layer.kind === 'convolution' ? convBiasFits(network, layer, bias.value) : matmulBiasFits(network, index, layer, bias.value);
  return fits ? { producer: layer, reader: reader.layer, readerIndex: reader.at, bias } : undefined;
}

/** The constant that `reader` adds to `x`: an elementwise add's other operand or a shift-only scale's shift. */
function addedConstant(network: Network, index: NetworkIndex, reader: AnyLayer, x: string): { name: string; value: Tensor } | undefined {
  if (reader.kind === 'elementwise') {
    if (reader.params.op !== 'add' || reader.inputs.length !== 2) return undefined;
    const other = reader.inputs[0] === x ? reader.inputs[1]! : reader.inputs[0]!;
    if (other === x || !reader.inputs.includes(x)) return undefined;
    const value = constantValue(network, index, other);
    return value ? { name: other, value } : undefined;
  }
  if (reader.kind === 'scale') {
    const [input, shift = '', scale = '', power = ''] = reader.inputs;
    if (input !== x || !shift || scale || power || reader.inputs.length > 4 || reader.params.mode !== 'channel') return undefined;
    const rank = network.tensors.get(x)?.shape?.length;
    const axis = reader.params.channelAxis;
    if (rank === undefined || (axis !== -1 && axis !== rank - 1)) return undefined;
    const value = constantValue(network, index, shift);
    // As a residual the shift must broadcast like the scale did: along the last axis only.
    return value && value.rank === 1 ? { name: shift, value } : undefined;
  }
  return undefined;
}

function convChannels(network: Network, conv: Layer<'convolution'>): number | undefined {
  const shape = staticShape(network, conv.outputs[0]!);
  if (!shape || shape.length < 3) return undefined;
  return shape[conv.params.layout === 'channels_last' ? shape.length - 1 : 1];
}

function convBiasFits(network: Network, conv: Layer<'convolution'>, bias: Tensor): boolean {
  if (conv.inputs[2]) return false;
  const shape = staticShape(network, conv.outputs[0]!);
  const channels = convChannels(network, conv);
  if (!shape || channels === undefined) return false;
  const axis = broadcastAxis(bias, shape);
  return axis === 'scalar' || axis === (conv.params.layout === 'channels_last' ? shape.length - 1 : 1);
}

/** [N] or [1, N] with N the output's last dim: adding it broadcasts over rows only. */
function matmulBiasFits(network: Network, index: NetworkIndex, matmul: Layer<'matrix_multiply'>, bias: Tensor): boolean {
  if (!constantValue(network, index, matmul.inputs[1]!)) return false;
  const shape = matmulOutputShape(network, matmul);
  if (!shape || shape.length < 1) return false;
  const n = shape[shape.length - 1]!;
  if (bias.rank === 1) return bias.shape[0] === n;
  return bias.rank === 2 && shape.length >= 2 && bias.shape[0] === 1 && bias.shape[1] === n;
}
