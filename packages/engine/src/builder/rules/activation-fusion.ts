/**
 * Activation fusion: an `activation` layer (any ActivationType) whose input is the output of a
 * convolution or matmul (possibly with a fused residual already) becomes that producer's
 * `epilogue.activation`, when the activation is the output's only reader and the output is not
 * a network output. The producer keeps its place and takes the activation's output name.
 */
import { type ActivationSpec, type AnyLayer, isFloatDType, type Layer } from '@kiln-inference/core';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { indexNetwork } from './network-index.js';
import { soleReader } from './rewrite-helpers.js';

type Producer = Layer<'convolution'> | Layer<'matrix_multiply'>;

export const activationFusion: BuilderRule = {
  name: 'activation-fusion',
  targets: ['activation'],
  condition: (match) => producerOf(match) !== undefined,
  apply({ network, layer, index }) {
    const { at, producer } = producerOf({ network, layer, index })!;
    const spec = layer.params as ActivationSpec;
    const activation: ActivationSpec = { type: spec.type };
    if (spec.alpha !== undefined) activation.alpha = spec.alpha;
    if (spec.beta !== undefined) activation.beta = spec.beta;
    network.layers[at] = {
      ...producer,
      outputs: layer.outputs,
      params: { ...producer.params, epilogue: { ...producer.params.epilogue, activation } },
    } as AnyLayer;
    network.layers.splice(index, 1);
    network.tensors.delete(producer.outputs[0]!);
    return `fused ${spec.type} '${layer.name}' into ${producer.kind} '${producer.name}'`;
  },
};

/** The convolution/matmul this activation can fuse into, and its index. */
function producerOf({ network, layer, index: at }: RuleMatch): { at: number; producer: Producer } | undefined {
  if (layer.kind !== 'activation' || layer.inputs.length !== 1 || layer.outputs.length !== 1) return undefined;
  const x = layer.inputs[0]!;
  const index = indexNetwork(network);
  const producerIndex = index.producers.get(x);
  if (producerIndex === undefined) return undefined;
  const producer = network.layers[producerIndex]!;
  if (producer.kind !== 'convolution' && producer.kind !== 'matrix_multiply') return undefined;
  if (producer.outputs.length !== 1 || producer.params.epilogue?.activation) return undefined;
  if (soleReader(network, index, x)?.at !== at) return undefined;
  const dtype = network.tensors.get(x)?.dtype;
  if (!dtype || !isFloatDType(dtype) || network.tensors.get(layer.outputs[0]!)?.dtype !== dtype) return undefined;
  return { at: producerIndex, producer };
}
