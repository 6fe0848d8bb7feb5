/**
 * Residual fusion: `add(p, other)` where p is the output of a convolution or matmul that only
 * this add reads (and that is not a network output), whose epilogue has no residual or
 * activation yet, and `other` has exactly the output's shape, becomes the producer with
 * `epilogue.residualInput` pointing at `other`. The fused layer takes the add's place, where
 * `other` is already computed, and the add disappears (ResNet's skip connections).
 */
import { type AnyLayer, isFloatDType, type Layer, type Network } from '@kiln-inference/core';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { indexNetwork } from './network-index.js';
import { matmulOutputShape, sameDims, soleReader, staticShape } from './rewrite-helpers.js';

type Producer = Layer<'convolution'> | Layer<'matrix_multiply'>;

interface ResidualFusion {
  producer: Producer;
  producerIndex: number;
  other: string;
}

export const residualFusion: BuilderRule = {
  name: 'residual-fusion',
  targets: ['elementwise'],
  condition: (match) => findFusion(match) !== undefined,
  apply({ network, layer, index }) {
    const { producer, producerIndex, other } = findFusion({ network, layer, index })!;
    // A convolution keeps its inputs at [x, w, b] (b may be omitted) so the residual follows them.
    const inputs = producer.kind === 'convolution' ? [0, 1, 2].map((i) => producer.inputs[i] ?? '') : producer.inputs.slice(0, 2);
    const residualInput = inputs.length;
    const fused = {
      ...producer,
      inputs: [...inputs, other],
      outputs: layer.outputs,
      params: { ...producer.params, epilogue: { ...producer.params.epilogue, residualInput } },
    } as AnyLayer;
    network.layers[index] = fused;
    network.layers.splice(producerIndex, 1);
    network.tensors.delete(producer.outputs[0]!);
    return `fused add '${layer.name}' into ${producer.kind} '${producer.name}' as residual input '${other}'`;
  },
};

function findFusion({ network, layer, index: at }: RuleMatch): ResidualFusion | undefined {
  if (layer.kind !== 'elementwise' || layer.params.op !== 'add' || layer.inputs.length !== 2 || layer.outputs.length !== 1)
    return undefined;
  const [a = '', b = ''] = layer.inputs;
  if (!a || !b || a === b) return undefined;
  const shape = staticShape(network, layer.outputs[0]!);
  const dtype = network.tensors.get(layer.outputs[0]!)?.dtype;
  if (!shape || !dtype || !isFloatDType(dtype)) return undefined;
  const index = indexNetwork(network);
  // Of two candidates take the later producer: its inputs are the most recently computed anyway.
  const candidates = [
    { operand: a, other: b },
    { operand: b, other: a },
  ]
    .map((c) => ({ ...c, producerIndex: index.producers.get(c.operand) }))
    .filter((c) => c.producerIndex !== undefined)
    .sort((x, y) => y.producerIndex! - x.producerIndex!);
  for (const { operand, other, producerIndex } of candidates) {
    const producer = network.layers[producerIndex!]!;
    if (!fusable(network, producer, operand, shape, dtype)) continue;
    if (soleReader(network, index, operand)?.at !== at) continue;
    const otherShape = staticShape(network, other);
    if (!otherShape || !sameDims(otherShape, shape) || network.tensors.get(other)?.dtype !== dtype) continue;
    return { producer: producer as Producer, producerIndex: producerIndex!, other };
  }
  return undefined;
}

function fusable(network: Network, producer: AnyLayer, output: string, shape: number[], dtype: string): boolean {
  if (producer.kind !== 'convolution' && producer.kind !== 'matrix_multiply') return false;
  if (producer.outputs.length !== 1 || producer.outputs[0] !== output) return false;
  const epilogue = producer.params.epilogue;
  if (epilogue?.residualInput !== undefined || epilogue?.activation) return false;
  const producedShape = producer.kind === 'matrix_multiply' ? matmulOutputShape(network, producer) : staticShape(network, output);
  return producedShape !== undefined && sameDims(producedShape, shape) && network.tensors.get(output)?.dtype === dtype;
}
