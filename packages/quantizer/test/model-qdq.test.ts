/**
 * Model's own ranges: an ONNX QDQ model (QuantizeLinear/DequantizeLinear around a Conv, as
 * onnxruntime's quantizer and PyTorch's exporter write them) goes through the ONNX importer and
 * converters, and the Q/DQ pass leaves the resulting network as it is.
 */
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { type AttributeValue, Graph, type GraphNode, Tensor } from '@kiln-inference/core';
import { exportOnnx, importOnnx } from '@kiln-inference/onnx';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { calibrate, calibrationTensors, hasQuantizeLayers, insertQdq } from '../src/index.js';
import { runOnCpu } from './qdq-network-fixtures.js';

const node = (op: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}): GraphNode => ({
  name: outputs[0]!,
  op,
  domain: '',
  inputs,
  outputs,
  attributes,
});

/** x[1,1,4,4] → Q/DQ (scale 0.5) → Conv with int8 weights dequantized per output channel (2 channels). */
function qdqModelBytes(): Uint8Array {
  const graph = new Graph({
    format: 'onnx',
    name: 'qdq-conv',
    nodes: [
      node('QuantizeLinear', ['x', 'x_scale', 'x_zero'], ['x_q']),
      node('DequantizeLinear', ['x_q', 'x_scale', 'x_zero'], ['x_dq']),
      node('DequantizeLinear', ['w_q', 'w_scale'], ['w_dq'], { axis: { kind: 'int', value: 0 } }),
      node('Conv', ['x_dq', 'w_dq'], ['y'], { kernel_shape: { kind: 'ints', value: [3, 3] }, pads: { kind: 'ints', value: [1, 1, 1, 1] } }),
    ],
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [1, 1, 4, 4] } }],
    outputs: [{ name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: [1, 2, 4, 4] } }],
    weights: new Map([
      ['x_scale', Tensor.scalar('float32', 0.5)],
      ['x_zero', Tensor.scalar('int8', 0)],
      ['w_q', Tensor.fromValues('int8', [2, 1, 3, 3], [0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1])],
      ['w_scale', Tensor.fromValues('float32', [2], [0.25, 1])],
    ]),
    opsetImports: [{ domain: '', version: 13 }],
  });
  return exportOnnx(graph);
}

describe("a model's own quantize/dequantize layers", () => {
  it('are kept: an imported QDQ model is returned as it is and needs no calibration', async () => {
    const network = convertGraph(importOnnx(qdqModelBytes()), createOnnxRegistry());
    expect(hasQuantizeLayers(network)).toBe(true);
    expect(calibrationTensors(network)).toEqual([]);
    const layers = [...network.layers];
    const { network: result, report } = insertQdq(network, new Map());
    expect(result).toBe(network);
    expect(result.layers).toEqual(layers);
    expect(report.skipped).toBe('the network has its own quantize/dequantize layers');
    expect((await calibrate(network, [])).scales.size).toBe(0);

    // It runs with the model's ranges: x is rounded to steps of 0.5; channel 0 is 0.5·x, channel 1
    // the 3×3 box sum of x (zero padded).
    const x = Tensor.fromValues('float32', [1, 1, 4, 4], [0.2, 0.3, 0.8, -1.3, 1, 2, 3, 4, -0.74, 0, 0, 0, 5, 6, 7, 8]);
    const rounded = [0, 0.5, 1, -1.5, 1, 2, 3, 4, -0.5, 0, 0, 0, 5, 6, 7, 8];
    const boxSum = rounded.map((_, i) => {
      const [r, c] = [Math.floor(i / 4), i % 4];
      let sum = 0;
      for (let dr = -1; dr <= 1; dr++)
        for (let dc = -1; dc <= 1; dc++) if (r + dr >= 0 && r + dr < 4 && c + dc >= 0 && c + dc < 4) sum += rounded[(r + dr) * 4 + c + dc]!;
      return sum;
    });
    const { y } = await runOnCpu(network, { x });
    expectTensorClose(y!, Tensor.fromValues('float32', [1, 2, 4, 4], [...rounded.map((v) => 0.5 * v), ...boxSum]), {
      rtol: 1e-6,
      atol: 1e-6,
    });
  });
});
