import { type ActivationSpec, type ActivationType, Network } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { activationFusion } from '../../src/builder/rules/activation-fusion.js';
import { residualFusion } from '../../src/builder/rules/residual-fusion.js';
import { addConstant, convParams, expectSameOutputs, float32, kinds, optimize } from './golden.js';

const S = [1, 4, 5, 5];

/** Every ActivationType, with parameters where the type has them. */
const ACTIVATIONS: Record<ActivationType, Omit<ActivationSpec, 'type'>> = {
  relu: {},
  sigmoid: {},
  tanh: {},
  leaky_relu: { alpha: 0.1 },
  elu: { alpha: 0.7 },
  selu: { alpha: 1.67, beta: 1.05 },
  softsign: {},
  softplus: {},
  clip: { alpha: -0.5, beta: 0.6 },
  hard_sigmoid: { alpha: 0.2, beta: 0.5 },
  scaled_tanh: { alpha: 1.5, beta: 0.7 },
  thresholded_relu: { alpha: 0.3 },
  gelu_erf: {},
  gelu_tanh: {},
  celu: { alpha: 0.8 },
  mish: {},
  swish: { alpha: 1.2 },
  hard_swish: {},
  shrink: { alpha: 0.4, beta: 0.1 },
};

function convActivation(
  spec: ActivationSpec,
  options: { extraReader?: boolean; convIsOutput?: boolean; residual?: boolean } = {},
): Network {
  const net = new Network('conv_act');
  net.addInput(float32('x', S));
  addConstant(net, 'w', randomTensor('float32', [4, 4, 3, 3], 1));
  addConstant(net, 'b', randomTensor('float32', [4], 2));
  net.addLayer('convolution', { name: 'conv', inputs: ['x', 'w', 'b'], outputs: [float32('c', S)], params: convParams(3) });
  let pre = 'c';
  if (options.residual) {
    net.addLayer('elementwise', { name: 'add', inputs: ['c', 'x'], outputs: [float32('a', S)], params: { op: 'add' } });
    pre = 'a';
  }
  net.addLayer('activation', { name: 'act', inputs: [pre], outputs: [float32('y', S)], params: spec });
  net.markOutput('y');
  if (options.extraReader) {
    net.addLayer('unary', { name: 'neg', inputs: [pre], outputs: [float32('z', S)], params: { op: 'neg' } });
    net.markOutput('z');
  }
  if (options.convIsOutput) net.markOutput(pre);
  return net;
}

const feeds = { x: randomTensor('float32', S, 3, -2, 2) };

describe('activation-fusion', () => {
  for (const [type, params] of Object.entries(ACTIVATIONS)) {
    it(`fuses ${type} into the convolution epilogue`, async () => {
      const spec = { type: type as ActivationType, ...params };
      const before = convActivation(spec);
      const after = await optimize(before, [activationFusion]);
      expect(kinds(after)).toEqual(['constant', 'constant', 'convolution']);
      expect(after.layers[2]!.outputs).toEqual(['y']);
      expect(after.layers[2]!.params).toMatchObject({ epilogue: { activation: spec } });
      expectSameOutputs(before, after, feeds);
    });
  }

  it('fuses after a residual: act(conv + bias + skip)', async () => {
    const before = convActivation({ type: 'relu' }, { residual: true });
    const after = await optimize(before, [residualFusion, activationFusion]);
    expect(kinds(after)).toEqual(['constant', 'constant', 'convolution']);
    expect(after.layers[2]!.params).toMatchObject({ epilogue: { residualInput: 3, activation: { type: 'relu' } } });
    expectSameOutputs(before, after, feeds);
  });

  it('fuses into a matmul', async () => {
    const before = new Network('mm_act');
    before.addInput(float32('x', [2, 3, 5]));
    addConstant(before, 'w', randomTensor('float32', [5, 6], 4));
    before.addLayer('matrix_multiply', {
      name: 'mm',
      inputs: ['x', 'w'],
      outputs: [float32('m', [2, 3, 6])],
      params: { transposeA: false, transposeB: false },
    });
    before.addLayer('activation', { name: 'act', inputs: ['m'], outputs: [float32('y', [2, 3, 6])], params: { type: 'gelu_tanh' } });
    before.markOutput('y');
    const after = await optimize(before, [activationFusion]);
    expect(kinds(after)).toEqual(['constant', 'matrix_multiply']);
    expectSameOutputs(before, after, { x: randomTensor('float32', [2, 3, 5], 5) });
  });

  it('leaves an activation whose input is read elsewhere, is a network output, or already went through one', async () => {
    for (const net of [convActivation({ type: 'relu' }, { extraReader: true }), convActivation({ type: 'relu' }, { convIsOutput: true })]) {
      expect(kinds(await optimize(net, [activationFusion]))).toContain('activation');
    }
    const twice = convActivation({ type: 'relu' });
    twice.addLayer('activation', { name: 'sig', inputs: ['y'], outputs: [float32('s', S)], params: { type: 'sigmoid' } });
    twice.outputs = ['s'];
    const after = await optimize(twice, [activationFusion]);
    expect(kinds(after)).toEqual(['constant', 'constant', 'convolution', 'activation']);
    expectSameOutputs(twice, after, feeds);
  });
});
