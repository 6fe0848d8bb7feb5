import { Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertGraph, createOnnxRegistry } from '../src/index.js';
import { buildGraph, convertNode, runNode, str, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape: number[]) => Tensor.fromValues('float32', shape, values);
const strs = (value: string[]) => ({ kind: 'strings' as const, value });
const floats = (value: number[]) => ({ kind: 'floats' as const, value });
const rnn = { x: f32([1, -2], [2, 1, 1]), w: f32([1], [1, 1, 1]), r: f32([0], [1, 1, 1]) };

describe('ONNX RNN / GRU / LSTM converters', () => {
  it('RNN infers hidden_size from R and honours activations with alpha', () => {
    const net = convertNode({
      op: 'RNN',
      feeds: { x: rnn.x },
      weights: { w: rnn.w, r: rnn.r },
      outputs: ['y', 'yh'],
      attributes: { activations: strs(['LeakyRelu']), activation_alpha: floats([0.1]) },
    });
    const layer = net.layers.find((l) => l.kind === 'recurrent');
    expect(layer?.kind === 'recurrent' && layer.params).toMatchObject({ hiddenSize: 1, activations: [{ type: 'leaky_relu', alpha: 0.1 }] });
    const [y] = runNode({
      op: 'RNN',
      feeds: { x: rnn.x },
      weights: { w: rnn.w, r: rnn.r },
      outputs: ['y', 'yh'],
      attributes: { activations: strs(['LeakyRelu']), activation_alpha: floats([0.1]) },
    });
    expectTensorClose(y!, f32([1, -0.2], [2, 1, 1, 1]), { rtol: 1e-6, atol: 0 });
  });

  it('LSTM with only Y_h requested still binds the right output', () => {
    const zeros = (shape: number[]) => f32(new Array(shape.reduce((a, b) => a * b, 1)).fill(0), shape);
    const graph = buildGraph({
      op: 'LSTM',
      feeds: { x: rnn.x },
      weights: { w: zeros([1, 4, 1]), r: zeros([1, 4, 1]) },
      outputs: ['', 'yh'],
      attributes: { hidden_size: { kind: 'int', value: 1 } },
    });
    graph.outputs = [{ name: 'yh', type: null }];
    const net = convertGraph(graph, createOnnxRegistry());
    const yh = new ReferenceExecutor().run(net, { x: rnn.x }).get('yh')!;
    // All-zero weights: i = o = f = 0.5, g = 0 → c stays 0, h = 0.
    expect(yh.shape).toEqual([1, 1, 1]);
    expectTensorClose(yh, f32([0], [1, 1, 1]), { rtol: 0, atol: 0 });
  });

  it('validators reject unknown directions, Affine and wrong activation counts', () => {
    const base = { op: 'GRU', feeds: { x: rnn.x }, weights: { w: f32([1, 1, 1], [1, 3, 1]), r: f32([1, 1, 1], [1, 3, 1]) } };
    expect(supportOf({ ...base, attributes: { direction: str('sideways') } })).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/direction 'sideways'/),
    });
    expect(supportOf({ ...base, attributes: { activations: strs(['Affine', 'Tanh']) } })).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/Affine/),
    });
    expect(supportOf({ ...base, attributes: { activations: strs(['Tanh']) } })).toMatchObject({
      supported: false,
      reason: expect.stringMatching(/needs 2 activations/),
    });
    expect(supportOf(base)).toMatchObject({ supported: true });
  });
});
