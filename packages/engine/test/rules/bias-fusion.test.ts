import { Network, type Tensor } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { biasFusion } from '../../src/builder/rules/bias-fusion.js';
import { addConstant, convParams, expectIdenticalOutputs, expectSameOutputs, float32, kinds, optimize } from './golden.js';

/** x[1,3,5,5] → conv (bias optional) → add(conv, c) → y. */
function convAdd(
  c: Tensor,
  options: { bias?: boolean; extraReader?: boolean; convIsOutput?: boolean; shape?: (number | null)[] } = {},
): Network {
  const shape = options.shape ?? [1, 4, 5, 5];
  const net = new Network('conv_add');
  net.addInput(float32('x', [1, 3, 5, 5]));
  addConstant(net, 'w', randomTensor('float32', [4, 3, 3, 3], 1));
  if (options.bias) addConstant(net, 'b', randomTensor('float32', [4], 2));
  net.addLayer('convolution', {
    name: 'conv',
    inputs: ['x', 'w', options.bias ? 'b' : ''],
    outputs: [float32('c', shape)],
    params: convParams(3),
  });
  addConstant(net, 'k', c);
  net.addLayer('elementwise', { name: 'add', inputs: ['c', 'k'], outputs: [float32('y', shape)], params: { op: 'add' } });
  net.markOutput('y');
  if (options.extraReader) {
    net.addLayer('unary', { name: 'abs', inputs: ['c'], outputs: [float32('z', shape)], params: { op: 'abs' } });
    net.markOutput('z');
  }
  if (options.convIsOutput) net.markOutput('c');
  return net;
}

/** x[rows,5] · w[5,6] (constant unless told) + c → y. */
function matmulAdd(c: Tensor, options: { rows?: number[]; constantWeights?: boolean; constantFirst?: boolean } = {}): Network {
  const rows = options.rows ?? [3];
  const net = new Network('matmul_add');
  net.addInput(float32('x', [...rows, 5]));
  if (options.constantWeights === false) net.addInput(float32('w', [5, 6]));
  else addConstant(net, 'w', randomTensor('float32', [5, 6], 3));
  net.addLayer('matrix_multiply', {
    name: 'mm',
    inputs: ['x', 'w'],
    outputs: [float32('m', [...rows, 6])],
    params: { transposeA: false, transposeB: false },
  });
  addConstant(net, 'k', c);
  const inputs = options.constantFirst ? ['k', 'm'] : ['m', 'k'];
  net.addLayer('elementwise', { name: 'add', inputs, outputs: [float32('y', [...rows, 6])], params: { op: 'add' } });
  net.markOutput('y');
  return net;
}

const convFeeds = { x: randomTensor('float32', [1, 3, 5, 5], 4) };

describe('bias-fusion', () => {
  for (const [label, c] of [
    ['[1,C,1,1]', randomTensor('float32', [1, 4, 1, 1], 5)],
    ['[C,1,1]', randomTensor('float32', [4, 1, 1], 6)],
    ['a scalar', randomTensor('float32', [1], 7)],
  ] as const) {
    it(`makes a per-channel constant add of ${label} the bias of a convolution without one`, async () => {
      const before = convAdd(c);
      const after = await optimize(before, [biasFusion]);
      expect(kinds(after)).toEqual(['constant', 'constant', 'constant', 'convolution']);
      const conv = after.layers.at(-1)!;
      expect(conv.outputs).toEqual(['y']);
      expect(after.tensors.get(conv.inputs[2]!)?.shape).toEqual([4]);
      expectSameOutputs(before, after, convFeeds);
    });
  }

  for (const [label, c, constantFirst] of [
    ['[N]', randomTensor('float32', [6], 8), false],
    ['[1,N] as the first operand', randomTensor('float32', [1, 6], 9), true],
  ] as const) {
    it(`makes a constant ${label} add after a matmul its epilogue bias, bit for bit`, async () => {
      const before = matmulAdd(c, { constantFirst });
      const after = await optimize(before, [biasFusion]);
      expect(kinds(after)).toEqual(['constant', 'constant', 'matrix_multiply']);
      const mm = after.layers.at(-1)!;
      expect(mm.inputs).toEqual(['x', 'w', 'k']);
      expect(mm.params).toMatchObject({ epilogue: { residualInput: 2 } });
      expectIdenticalOutputs(before, after, { x: randomTensor('float32', [3, 5], 10) });
    });
  }

  it('fuses the shift that scale folding leaves behind a matmul (default rules)', async () => {
    const net = new Network('matmul_affine');
    net.addInput(float32('x', [2, 5]));
    addConstant(net, 'w', randomTensor('float32', [5, 4], 11));
    net.addLayer('matrix_multiply', {
      name: 'mm',
      inputs: ['x', 'w'],
      outputs: [float32('m', [2, 4])],
      params: { transposeA: false, transposeB: false },
    });
    addConstant(net, 'shift', randomTensor('float32', [4], 12));
    addConstant(net, 'mult', randomTensor('float32', [4], 13, 0.5, 2));
    net.addLayer('scale', {
      name: 'affine',
      inputs: ['m', 'shift', 'mult'],
      outputs: [float32('y', [2, 4])],
      params: { mode: 'channel', channelAxis: 1 },
    });
    net.markOutput('y');
    const after = await optimize(net);
    expect(kinds(after)).toEqual(['constant', 'constant', 'matrix_multiply']);
    expect(after.layers.at(-1)!.params).toMatchObject({ epilogue: { residualInput: 2 } });
    expectSameOutputs(net, after, { x: randomTensor('float32', [2, 5], 14) });
  });

  it('leaves adds it cannot fuse exactly', async () => {
    const stays = [
      convAdd(randomTensor('float32', [1, 4, 1, 1], 15), { bias: true }), // already has a bias
      convAdd(randomTensor('float32', [1, 4, 1, 1], 15), { extraReader: true }), // a second consumer of the conv output
      convAdd(randomTensor('float32', [1, 4, 1, 1], 15), { convIsOutput: true }), // the conv output is a network output
      convAdd(randomTensor('float32', [1, 4, 1, 1], 15), { shape: [1, null, 5, 5] }), // unknown channel count
      convAdd(randomTensor('float32', [1, 1, 5, 1], 15)), // varies along a spatial axis
      matmulAdd(randomTensor('float32', [6], 16), { constantWeights: false }),
      matmulAdd(randomTensor('float32', [3, 1], 17)), // broadcasts over columns
      matmulAdd(randomTensor('float32', [3, 6], 18)), // a full tensor
      matmulAdd(randomTensor('float32', [1, 6], 19), { rows: [] }), // [1,N] would grow a 1-D result
      matmulAdd(randomTensor('float32', [1, 1, 6], 20)), // would grow the rank
    ];
    for (const net of stays) expect(kinds(await optimize(net, [biasFusion]))).toContain('elementwise');
  });
});
