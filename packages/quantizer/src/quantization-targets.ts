/**
 * Which tensors INT8 quantization touches: the float32 inputs of convolutions and matrix
 * multiplies (TensorRT's explicit-quantization placement: Q/DQ on the data and weight inputs of
 * the layers that have int8 kernels; biases stay float). An input produced by a `constant` layer
 * at the weight position is a weight, quantized per output channel; every other one is an
 * activation, quantized per tensor with a calibrated scale; a constant in a data position stays
 * float. Layers inside sub-networks (If/Loop/Scan bodies) are not touched.
 */
import type { AnyLayer, Layer, Network } from '@kiln-inference/core';

interface TargetRule {
  /** Input positions that carry data to quantize. */
  inputs: readonly number[];
  /** The position of the weight, when it is a constant. */
  weight: number;
  /** The weight's output-channel axis for a weight of `rank` dims; null = per tensor. */
  channelAxis(layer: AnyLayer, rank: number): number | null;
}

const TARGET_RULES: Partial<Record<AnyLayer['kind'], TargetRule>> = {
  // w is [K, C/groups, kernel…] in both layouts.
  convolution: { inputs: [0, 1], weight: 1, channelAxis: () => 0 },
  // b is [..., K, N] (or [..., N, K] transposed): the output channels are its N.
  matrix_multiply: {
    inputs: [0, 1],
    weight: 1,
    channelAxis: (layer, rank) => {
      if (rank < 2) return null;
      return (layer as Layer<'matrix_multiply'>).params.transposeB ? rank - 2 : rank - 1;
    },
  },
};

export interface QuantizedInput {
  /** Index of the consuming layer in `network.layers`. */
  layer: number;
  /** Position in the layer's inputs. */
  position: number;
  tensor: string;
  role: 'activation' | 'weight';
  /** Weights: the per-channel scale axis (null = per tensor). */
  channelAxis: number | null;
}

/**
 * True when the network already carries its own quantization: quantize/dequantize layers (ONNX
 * QDQ, TF FakeQuant* and ranged QuantizeAndDequantize) or kiln's QuantizeAndDequantize plugin
 * (TF's QuantizeAndDequantize that measures its range on every run).
 */
export function hasQuantizeLayers(network: Network): boolean {
  return network.layers.some(
    (l) =>
      l.kind === 'quantize' ||
      l.kind === 'dequantize' ||
      (l.kind === 'plugin' && l.params.namespace === 'kiln' && l.params.name === 'QuantizeAndDequantize'),
  );
}

/** Every input the Q/DQ pass would quantize, in layer order. */
export function quantizedInputs(network: Network): QuantizedInput[] {
  const producers = network.producers();
  const found: QuantizedInput[] = [];
  network.layers.forEach((layer, index) => {
    const rule = TARGET_RULES[layer.kind];
    if (!rule) return;
    for (const position of rule.inputs) {
      const tensor = layer.inputs[position];
      if (!tensor || network.tensor(tensor).dtype !== 'float32') continue;
      const producer = network.layers[producers.get(tensor) ?? -1];
      if (position === rule.weight && producer?.kind === 'constant') {
        const rank = producer.params.value.rank;
        found.push({ layer: index, position, tensor, role: 'weight', channelAxis: rule.channelAxis(layer, rank) });
      } else if (producer?.kind !== 'constant') {
        found.push({ layer: index, position, tensor, role: 'activation', channelAxis: null });
      }
    }
  });
  return found;
}

/** The activations that need calibrated scales (each once, in layer order). */
export function calibrationTensors(network: Network): string[] {
  if (hasQuantizeLayers(network)) return [];
  return [...new Set(quantizedInputs(network).flatMap((q) => (q.role === 'activation' ? [q.tensor] : [])))];
}
