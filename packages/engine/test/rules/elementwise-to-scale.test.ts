import { type ElementwiseOp, Network, Tensor } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { elementwiseToScale } from '../../src/builder/rules/elementwise-to-scale.js';
import { scaleMerging } from '../../src/builder/rules/scale-merging.js';
import { addConstant, convParams, expectSameOutputs, float32, kinds, optimize } from './golden.js';

const X = [1, 4, 5, 5];

/** x → elementwise(op) with a constant (first or second operand) → y. */
function withConstant(op: ElementwiseOp, constant: Tensor, constantFirst = false, xShape: (number | null)[] | null = X): Network {
  const net = new Network('elementwise_constant');
  net.addInput(float32('x', xShape));
  addConstant(net, 'c', constant);
  net.addLayer('elementwise', {
    name: 'op',
    inputs: constantFirst ? ['c', 'x'] : ['x', 'c'],
    outputs: [float32('y', xShape)],
    params: { op },
  });
  net.markOutput('y');
  return net;
}

/** BatchNorm the way some exporters write it: y = x · gamma + beta with [1,C,1,1] and [C,1,1] constants. */
function mulAdd(net: Network, x: string, y: string, seed: number): void {
  addConstant(net, 'gamma', randomTensor('float32', [1, 4, 1, 1], seed, 0.5, 2));
  addConstant(net, 'beta', randomTensor('float32', [4, 1, 1], seed + 1));
  net.addLayer('elementwise', { name: 'mul', inputs: [x, 'gamma'], outputs: [float32('m', X)], params: { op: 'mul' } });
  net.addLayer('elementwise', { name: 'add', inputs: ['m', 'beta'], outputs: [float32(y, X)], params: { op: 'add' } });
}

describe('elementwise-to-scale', () => {
  const feeds = { x: randomTensor('float32', X, 3) };

  it('turns BatchNorm as Mul + Add after a convolution into folded weights and bias', async () => {
    const before = new Network('conv_mul_add');
    before.addInput(float32('x', [1, 3, 5, 5]));
    addConstant(before, 'w', randomTensor('float32', [4, 3, 3, 3], 1));
    addConstant(before, 'b', randomTensor('float32', [4], 2));
    before.addLayer('convolution', { name: 'conv', inputs: ['x', 'w', 'b'], outputs: [float32('c', X)], params: convParams(3) });
    mulAdd(before, 'c', 'y', 4);
    before.markOutput('y');
    const after = await optimize(before);
    expect(kinds(after)).toEqual(['constant', 'constant', 'convolution']);
    expect(after.layers[2]!.outputs).toEqual(['y']);
    expectSameOutputs(before, after, { x: randomTensor('float32', [1, 3, 5, 5], 5) });
  });

  it('merges Mul + Add on an input into one per-channel scale', async () => {
    const before = new Network('mul_add');
    before.addInput(float32('x', X));
    mulAdd(before, 'x', 's', 6);
    before.addLayer('activation', { name: 'relu', inputs: ['s'], outputs: [float32('y', X)], params: { type: 'relu' } });
    before.markOutput('y');
    const after = await optimize(before, [elementwiseToScale, scaleMerging]);
    expect(kinds(after).filter((k) => k !== 'constant')).toEqual(['scale', 'activation']);
    const scale = after.layers.find((l) => l.kind === 'scale')!;
    expect(scale.params).toEqual({ mode: 'channel', channelAxis: 1 });
    expect(scale.inputs[0]).toBe('x');
    expectSameOutputs(before, after, feeds);
  });

  const cases: [string, ElementwiseOp, Tensor, boolean, 'uniform' | 'channel'][] = [
    ['x + c (per channel [C,1,1])', 'add', randomTensor('float32', [4, 1, 1], 7), false, 'channel'],
    ['c + x (scalar)', 'add', Tensor.scalar('float32', 0.75), true, 'uniform'],
    ['x - c (per channel [1,C,1,1])', 'sub', randomTensor('float32', [1, 4, 1, 1], 8), false, 'channel'],
    ['c - x (per channel)', 'sub', randomTensor('float32', [4, 1, 1], 9), true, 'channel'],
    ['c · x (scalar [1])', 'mul', Tensor.fromValues('float32', [1], [-1.5]), true, 'uniform'],
    ['x / c (per channel)', 'div', randomTensor('float32', [4, 1, 1], 10, 0.5, 2), false, 'channel'],
    ['x / c (scalar [1,1,1,1])', 'div', Tensor.fromValues('float32', [1, 1, 1, 1], [3]), false, 'uniform'],
  ];
  for (const [label, op, constant, constantFirst, mode] of cases) {
    it(`rewrites ${label} as a ${mode} scale`, async () => {
      const before = withConstant(op, constant, constantFirst);
      const after = await optimize(before, [elementwiseToScale]);
      expect(kinds(after).filter((k) => k !== 'constant')).toEqual(['scale']);
      expect(after.layers.at(-1)!.params).toMatchObject({ mode });
      expectSameOutputs(before, after, feeds);
    });
  }

  it('handles a per-channel constant on the last axis of a rank-2 tensor', async () => {
    const before = withConstant('mul', randomTensor('float32', [1, 6], 11), false, [3, 6]);
    const after = await optimize(before, [elementwiseToScale]);
    expect(after.layers.at(-1)!.params).toEqual({ mode: 'channel', channelAxis: 1 });
    expectSameOutputs(before, after, { x: randomTensor('float32', [3, 6], 12) });
  });

  it('leaves what is not an affine map of x by one value per channel', async () => {
    const stays = [
      withConstant('div', randomTensor('float32', [4, 1, 1], 13, 0.5, 2), true), // c / x
      withConstant('mul', randomTensor('float32', [1, 4, 5, 1], 14)), // varies along two axes
      withConstant('add', randomTensor('float32', [4, 5, 5], 15)), // full tensor
      withConstant('add', randomTensor('float32', [1, 1, 4, 1, 1], 16)), // would grow x's rank
      withConstant('add', randomTensor('float32', [4, 1, 1], 17), false, null), // x of unknown rank
      withConstant('add', randomTensor('float32', [4, 1, 1], 17), false, [1, null, 5, 5]), // unknown channel count
      withConstant('pow', randomTensor('float32', [4, 1, 1], 18)),
    ];
    for (const net of stays) expect(kinds(await optimize(net, [elementwiseToScale]))).toContain('elementwise');
    const ints = new Network('ints');
    ints.addInput({ name: 'x', dtype: 'int32', shape: X });
    addConstant(ints, 'c', Tensor.fromValues('int32', [4, 1, 1], [1, 2, 3, 4]));
    ints.addLayer('elementwise', {
      name: 'op',
      inputs: ['x', 'c'],
      outputs: [{ name: 'y', dtype: 'int32', shape: X }],
      params: { op: 'div' },
    });
    ints.markOutput('y');
    expect(kinds(await optimize(ints, [elementwiseToScale]))).toContain('elementwise');
  });
});
