import { Network, Tensor } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { deadLayerElimination } from '../../src/builder/rules/dead-layer-elimination.js';
import { expectSameOutputs, kinds, optimize } from './golden.js';

/** y = relu(x) plus a dead chain, an unused constant and a conditional whose branch captures 'captured'. */
function networkWithDeadLayers(): Network {
  const net = new Network('dead');
  net.addInput({ name: 'x', dtype: 'float32', shape: [4] });
  net.addInput({ name: 'flag', dtype: 'bool', shape: [] });
  net.addLayer('activation', {
    name: 'live',
    inputs: ['x'],
    outputs: [{ name: 'y', dtype: 'float32', shape: [4] }],
    params: { type: 'relu' },
  });
  net.addLayer('activation', {
    name: 'dead1',
    inputs: ['x'],
    outputs: [{ name: 'd1', dtype: 'float32', shape: [4] }],
    params: { type: 'sigmoid' },
  });
  net.addLayer('activation', {
    name: 'dead2',
    inputs: ['d1'],
    outputs: [{ name: 'd2', dtype: 'float32', shape: [4] }],
    params: { type: 'tanh' },
  });
  net.addLayer('constant', {
    name: 'unused',
    inputs: [],
    outputs: [{ name: 'unused', dtype: 'float32', shape: [1] }],
    params: { value: Tensor.fromValues('float32', [1], [3]) },
  });
  net.addLayer('unary', {
    name: 'captured_by_branch',
    inputs: ['x'],
    outputs: [{ name: 'captured', dtype: 'float32', shape: [4] }],
    params: { op: 'neg' },
  });
  const thenBranch = new Network('then');
  thenBranch.addInput({ name: 'captured', dtype: 'float32', shape: [4] });
  thenBranch.addLayer('unary', {
    name: 'then_abs',
    inputs: ['captured'],
    outputs: [{ name: 'then_out', dtype: 'float32', shape: [4] }],
    params: { op: 'abs' },
  });
  thenBranch.markOutput('then_out');
  const elseBranch = new Network('else');
  elseBranch.addInput({ name: 'x', dtype: 'float32', shape: [4] });
  elseBranch.addLayer('identity', {
    name: 'else_id',
    inputs: ['x'],
    outputs: [{ name: 'else_out', dtype: 'float32', shape: [4] }],
    params: {},
  });
  elseBranch.markOutput('else_out');
  net.addLayer('conditional', {
    name: 'branch',
    inputs: ['flag', 'captured', 'x'],
    outputs: [{ name: 'z', dtype: 'float32', shape: [4] }],
    params: { thenBranch, elseBranch },
  });
  net.markOutput('y');
  net.markOutput('z');
  return net;
}

describe('dead-layer-elimination', () => {
  it('removes layers that reach no output, keeping what sub-networks capture', async () => {
    const before = networkWithDeadLayers();
    const after = await optimize(before, [deadLayerElimination]);
    expect(after.layers.map((l) => l.name)).toEqual(['live', 'captured_by_branch', 'branch']);
    expect(kinds(after)).toEqual(['activation', 'unary', 'conditional']);
    expect(after.tensors.has('d2')).toBe(false);
    for (const flag of [true, false]) {
      expectSameOutputs(before, after, { x: randomTensor('float32', [4], 3), flag: Tensor.fromValues('bool', [], [flag]) });
    }
  });

  it('keeps a producer read only inside a body, even when the conditional does not list it as an input', async () => {
    const before = networkWithDeadLayers();
    const branch = before.layers.find((l) => l.name === 'branch')!;
    branch.inputs = ['flag', 'x'];
    const after = await optimize(before, [deadLayerElimination]);
    expect(after.layers.some((l) => l.name === 'captured_by_branch')).toBe(true);
  });

  it('removes everything behind an output that is a network input', async () => {
    const net = new Network('passthrough');
    net.addInput({ name: 'x', dtype: 'float32', shape: [2] });
    net.addLayer('activation', {
      name: 'unused',
      inputs: ['x'],
      outputs: [{ name: 'u', dtype: 'float32', shape: [2] }],
      params: { type: 'relu' },
    });
    net.markOutput('x');
    const after = await optimize(net, [deadLayerElimination]);
    expect(after.layers).toEqual([]);
    expectSameOutputs(net, after, { x: randomTensor('float32', [2], 4) });
  });
});
