import { ErrorCode, Network, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { calibrationTensors, hasQuantizeLayers, insertQdq, quantizedInputs, quantizeWeights } from '../src/index.js';
import { convMatmulNetwork, FLAT, randomBatches, runOnCpu } from './qdq-network-fixtures.js';

/** x → round-half-even(x / s) clamped to ±127, times s: what a quantize → dequantize pair computes. */
function fakeQuantize(t: Tensor, s: number): Tensor {
  const out = Array.from(t.data as Float32Array, (v) => {
    const q = Math.fround(v / s);
    const r = Math.abs(q % 1) === 0.5 ? 2 * Math.round(q / 2) : Math.round(q);
    return Math.max(-127, Math.min(127, r)) * s;
  });
  return Tensor.fromValues('float32', t.shape, out);
}

const SCALES = new Map([
  ['x', Math.fround(1 / 127)],
  [FLAT, Math.fround(0.02)],
]);

describe('Q/DQ insertion', () => {
  it('names the inputs to quantize: conv and matmul data as activations, their constants as weights', () => {
    const net = convMatmulNetwork();
    expect(quantizedInputs(net).map(({ tensor, role, channelAxis }) => [tensor, role, channelAxis])).toEqual([
      ['x', 'activation', null],
      ['conv_w', 'weight', 0],
      [FLAT, 'activation', null],
      ['fc_w', 'weight', 1],
    ]);
    expect(calibrationTensors(net)).toEqual(['x', FLAT]);
  });

  it('inserts quantize/dequantize around conv and matmul inputs and weights, giving a valid network', () => {
    const net = convMatmulNetwork();
    const { network, report } = insertQdq(net, SCALES);
    expect(report).toEqual({ activations: 2, weights: 2, layers: 2 });
    network.validate();
    expect(hasQuantizeLayers(network)).toBe(true);
    expect(network.histogram()).toMatchObject({ quantize: 2, dequantize: 4, convolution: 1, matrix_multiply: 1 });
    // The float weight constants are gone; the int8 ones replace them.
    const constants = network.layers.filter((l) => l.kind === 'constant');
    expect(constants.map((l) => l.outputs[0])).not.toContain('conv_w');
    expect(constants.filter((l) => l.kind === 'constant' && l.params.value.dtype === 'int8')).toHaveLength(2);
    const conv = network.layers.find((l) => l.name === 'conv')!;
    const producer = (t: string) => network.layers.find((l) => l.outputs.includes(t))!;
    expect(producer(conv.inputs[0]!).kind).toBe('dequantize');
    expect(producer(conv.inputs[1]!).kind).toBe('dequantize');
    expect(producer(conv.inputs[1]!).params).toMatchObject({ axis: 0, quantizedType: 'int8' });
    expect(conv.inputs[2]).toBe('conv_b');
    // The source network is untouched.
    expect(net.layers.find((l) => l.name === 'conv')!.inputs).toEqual(['x', 'conv_w', 'conv_b']);
  });

  it('runs on the CPU engine and computes the float network on int8-rounded values', async () => {
    const net = convMatmulNetwork();
    const { network } = insertQdq(net, SCALES);
    const [feeds] = randomBatches(1, 40);
    const quantized = await runOnCpu(network, feeds!);

    // The same computation by hand: the float network fed fake-quantized x and weights, with its
    // flattened activation fake-quantized before the matmul.
    const weights = (name: string, axis: number) => {
      const value = (net.layers.find((l) => l.name === name) as { params: { value: Tensor } }).params.value;
      const q = quantizeWeights(value, axis);
      const scales = q.scales.data as Float32Array;
      const inner = value.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      return Tensor.fromValues(
        'float32',
        value.shape,
        Array.from(q.values.data as Int8Array, (c, i) => c * scales[Math.floor(i / inner) % scales.length]!),
      );
    };
    const simulated = convMatmulNetwork();
    for (const [name, axis] of [
      ['conv_w', 0],
      ['fc_w', 1],
    ] as const) {
      const layer = simulated.layers.find((l) => l.name === name) as { params: { value: Tensor } };
      layer.params.value = weights(name, axis);
    }
    simulated.markOutput(FLAT);
    const firstHalf = await runOnCpu(simulated, { x: fakeQuantize(feeds!.x!, SCALES.get('x')!) });
    const flat = fakeQuantize(firstHalf[FLAT]!, SCALES.get(FLAT)!);
    const fc = weights('fc_w', 1);
    const expected = Tensor.fromValues(
      'float32',
      [2, 4],
      Array.from({ length: 8 }, (_, i) => {
        const [row, col] = [Math.floor(i / 4), i % 4];
        let sum = 0;
        for (let k = 0; k < 75; k++) sum += flat.getNumber(row * 75 + k) * fc.getNumber(k * 4 + col);
        return sum;
      }),
    );
    expectTensorClose(quantized.y!, expected, { rtol: 1e-4, atol: 1e-5 });

    // And close to the float model: int8 steps of 1/127 and 0.02 move y by a few hundredths.
    const float = await runOnCpu(net, feeds!);
    expectTensorClose(quantized.y!, float.y!, { rtol: 0.05, atol: 0.05 });
  });

  it('gives a tensor read by several layers one Q/DQ pair, and keeps a weight that a float layer also reads', () => {
    const net = new Network('shared');
    net.addInput({ name: 'a', dtype: 'float32', shape: [2, 3] });
    net.addLayer('constant', {
      name: 'w',
      inputs: [],
      outputs: [{ name: 'w', dtype: 'float32', shape: [3, 3] }],
      params: { value: Tensor.fromValues('float32', [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]) },
    });
    net.addLayer('matrix_multiply', { name: 'm1', inputs: ['a', 'w'], outputs: ['b'], params: { transposeA: false, transposeB: true } });
    net.addLayer('matrix_multiply', { name: 'm2', inputs: ['a', 'w'], outputs: ['c'], params: { transposeA: false, transposeB: false } });
    net.addLayer('elementwise', { name: 'plus_w', inputs: ['c', 'w'], outputs: ['d'], params: { op: 'add' } });
    net.markOutput('b');
    net.markOutput('d');
    expect(
      quantizedInputs(net)
        .filter((q) => q.role === 'weight')
        .map((q) => q.channelAxis),
    ).toEqual([0, 1]);
    const { network, report } = insertQdq(net, new Map([['a', 0.1]]));
    network.validate();
    // One pair for 'a'; 'w' is quantized once per channel axis it is read along, and its float
    // constant stays for plus_w.
    expect(report).toEqual({ activations: 1, weights: 2, layers: 2 });
    expect(network.histogram()).toMatchObject({ quantize: 1, dequantize: 3 });
    expect(network.layers.find((l) => l.name === 'plus_w')!.inputs).toEqual(['c', 'w']);
    const [m1, m2] = ['m1', 'm2'].map((n) => network.layers.find((l) => l.name === n)!.inputs);
    expect(m1![0]).toBe(m2![0]);
    expect(m1![1]).not.toBe(m2![1]);
  });

  it('leaves a network with its own quantize/dequantize layers (an ONNX QDQ model) as it is', () => {
    const net = convMatmulNetwork();
    const { network: once } = insertQdq(net, SCALES);
    const again = insertQdq(once, new Map());
    expect(again.network).toBe(once);
    expect(again.report).toEqual({ skipped: 'the network has its own quantize/dequantize layers', activations: 0, weights: 0, layers: 0 });
    expect(calibrationTensors(once)).toEqual([]);
    // TF's QuantizeAndDequantize without a given range converts to kiln's plugin: also the model's own.
    const dynamic = convMatmulNetwork();
    dynamic.addLayer('plugin', {
      name: 'qdq_dynamic',
      inputs: ['y'],
      outputs: ['y_qdq'],
      params: { namespace: 'kiln', name: 'QuantizeAndDequantize', version: '1', fields: {} },
    });
    expect(insertQdq(dynamic, SCALES).network).toBe(dynamic);
  });

  it('names the layer and tensor that lack a scale, and refuses bad scales', () => {
    const net = convMatmulNetwork();
    expect(() => insertQdq(net, new Map([['x', 0.01]]))).toThrow(
      expect.objectContaining({
        code: ErrorCode.INVALID_ARGUMENT,
        message: expect.stringMatching(/layer 'fc' \(matrix_multiply\): no calibrated scale for its input 'flat'/),
      }),
    );
    expect(() =>
      insertQdq(
        net,
        new Map([
          ['x', -1],
          [FLAT, 1],
        ]),
      ),
    ).toThrow(/the scale of 'x' is -1/);
  });
});
