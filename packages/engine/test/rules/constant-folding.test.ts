import { Network, Tensor } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { constantFolding } from '../../src/builder/rules/constant-folding.js';
import { deadLayerElimination } from '../../src/builder/rules/dead-layer-elimination.js';
import { expectSameOutputs, kinds, optimize } from './golden.js';

/** x + (c1 + c2) · fill, where fill is a ConstantOfShape of a constant shape, next to a random fill. */
function foldableNetwork(): Network {
  const net = new Network('fold');
  net.addInput({ name: 'x', dtype: 'float32', shape: [2, 3] });
  const constant = (name: string, value: Tensor) =>
    net.addLayer('constant', { name, inputs: [], outputs: [{ name, dtype: value.dtype, shape: [...value.shape] }], params: { value } });
  constant('c1', Tensor.fromValues('float32', [2, 3], [1, 2, 3, 4, 5, 6]));
  constant('c2', Tensor.fromValues('float32', [3], [0.5, -1, 2]));
  constant('dims', Tensor.fromValues('int64', [2], [2n, 3n]));
  net.addLayer('elementwise', {
    name: 'sum',
    inputs: ['c1', 'c2'],
    outputs: [{ name: 'k', dtype: 'float32', shape: [2, 3] }],
    params: { op: 'add' },
  });
  net.addLayer('fill', {
    name: 'weights',
    inputs: ['dims'],
    outputs: [{ name: 'w', dtype: 'float32', shape: [2, 3] }],
    params: { mode: 'constant_of_shape', dtype: 'float32', value: 0.25 },
  });
  net.addLayer('elementwise', {
    name: 'kw',
    inputs: ['k', 'w'],
    outputs: [{ name: 'kw', dtype: 'float32', shape: [2, 3] }],
    params: { op: 'mul' },
  });
  net.addLayer('elementwise', {
    name: 'out',
    inputs: ['x', 'kw'],
    outputs: [{ name: 'y', dtype: 'float32', shape: [2, 3] }],
    params: { op: 'add' },
  });
  net.addLayer('fill', {
    name: 'noise',
    inputs: [],
    outputs: [{ name: 'n', dtype: 'float32', shape: [2] }],
    params: { mode: 'random_uniform', dtype: 'float32', shape: [2], low: 0, high: 1 },
  });
  net.addLayer('shape', { name: 'noise_shape', inputs: ['n'], outputs: [{ name: 'ns', dtype: 'int64', shape: [1] }], params: {} });
  net.markOutput('y');
  net.markOutput('ns');
  return net;
}

describe('constant-folding', () => {
  it('folds layers fed only by constants, ConstantOfShape fills included, and keeps tensor names', async () => {
    const before = foldableNetwork();
    const after = await optimize(before, [constantFolding]);
    expect(kinds(after)).toEqual(['constant', 'constant', 'constant', 'constant', 'constant', 'constant', 'elementwise', 'fill', 'shape']);
    const kw = after.layers.find((l) => l.outputs[0] === 'kw')!;
    expect(kw.kind).toBe('constant');
    expect(after.tensor('kw').shape).toEqual([2, 3]);
    expectSameOutputs(before, after, { x: randomTensor('float32', [2, 3], 7) });
  });

  it('refolds after the caller refits a constant in place between builds', async () => {
    const net = foldableNetwork();
    const x = randomTensor('float32', [2, 3], 10);
    await optimize(net);
    const c2 = net.layers.find((l) => l.name === 'c2')!;
    (c2.params as { value: Tensor }).value = Tensor.fromValues('float32', [3], [10, 20, 30]);
    expectSameOutputs(net, await optimize(net), { x });
  });

  it('leaves random fills and what reads them to run time', async () => {
    const after = await optimize(foldableNetwork(), [constantFolding]);
    expect(after.layers.find((l) => l.name === 'noise')?.kind).toBe('fill');
    expect(after.layers.find((l) => l.name === 'noise_shape')?.kind).toBe('shape');
  });

  it('with the default rules, leaves only the live layers', async () => {
    const before = foldableNetwork();
    const after = await optimize(before);
    expect(kinds(after)).toEqual(['constant', 'elementwise', 'fill', 'shape']);
    expectSameOutputs(before, after, { x: randomTensor('float32', [2, 3], 8) });
  });

  it('folds multi-output layers into one constant per output', async () => {
    const net = new Network('split');
    net.addInput({ name: 'x', dtype: 'float32', shape: [2] });
    net.addLayer('constant', {
      name: 'c',
      inputs: [],
      outputs: [{ name: 'c', dtype: 'float32', shape: [4] }],
      params: { value: Tensor.fromValues('float32', [4], [1, 2, 3, 4]) },
    });
    net.addLayer('split', {
      name: 'halves',
      inputs: ['c'],
      outputs: [
        { name: 'a', dtype: 'float32', shape: [2] },
        { name: 'b', dtype: 'float32', shape: [2] },
      ],
      params: { axis: 0, numOutputs: 2 },
    });
    net.addLayer('elementwise', {
      name: 'sub',
      inputs: ['a', 'b'],
      outputs: [{ name: 'd', dtype: 'float32', shape: [2] }],
      params: { op: 'sub' },
    });
    net.addLayer('elementwise', {
      name: 'out',
      inputs: ['x', 'd'],
      outputs: [{ name: 'y', dtype: 'float32', shape: [2] }],
      params: { op: 'add' },
    });
    net.markOutput('y');
    // Folding and clean-up only: the default rules would go on to turn x + d into a scale.
    const after = await optimize(net, [constantFolding, deadLayerElimination]);
    expect(kinds(after)).toEqual(['constant', 'elementwise']);
    expect(after.layers[0]!.outputs).toEqual(['d']);
    expectSameOutputs(net, after, { x: randomTensor('float32', [2], 9) });
  });

  it('keeps a layer whose result would exceed the size guard', async () => {
    const net = new Network('big');
    net.addInput({ name: 'x', dtype: 'uint8', shape: [1] });
    net.addLayer('constant', {
      name: 'one',
      inputs: [],
      outputs: [{ name: 'one', dtype: 'uint8', shape: [1] }],
      params: { value: Tensor.fromValues('uint8', [1], [1]) },
    });
    net.addLayer('constant', {
      name: 'dims',
      inputs: [],
      outputs: [{ name: 'dims', dtype: 'int64', shape: [2] }],
      params: { value: Tensor.fromValues('int64', [2], [8192n, 8193n]) },
    });
    net.addLayer('expand', {
      name: 'huge',
      inputs: ['one', 'dims'],
      outputs: [{ name: 'big', dtype: 'uint8', shape: [8192, 8193] }],
      params: {},
    });
    net.markOutput('big');
    const after = await optimize(net, [constantFolding]);
    expect(after.layers.find((l) => l.name === 'huge')?.kind).toBe('expand');
  });

  it('leaves a layer the kernels reject for run time to report', async () => {
    const net = new Network('bad');
    net.addInput({ name: 'x', dtype: 'float32', shape: [2] });
    net.addLayer('constant', {
      name: 'a',
      inputs: [],
      outputs: [{ name: 'a', dtype: 'float32', shape: [2] }],
      params: { value: Tensor.fromValues('float32', [2], [1, 2]) },
    });
    net.addLayer('constant', {
      name: 'b',
      inputs: [],
      outputs: [{ name: 'b', dtype: 'float32', shape: [3] }],
      params: { value: Tensor.fromValues('float32', [3], [1, 2, 3]) },
    });
    net.addLayer('elementwise', {
      name: 'mismatch',
      inputs: ['a', 'b'],
      outputs: [{ name: 'y', dtype: 'float32', shape: null }],
      params: { op: 'add' },
    });
    net.markOutput('y');
    const after = await optimize(net, [constantFolding]);
    expect(after.layers.find((l) => l.name === 'mismatch')?.kind).toBe('elementwise');
  });
});
