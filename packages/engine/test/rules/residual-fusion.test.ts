import { type Epilogue, Network } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { residualFusion } from '../../src/builder/rules/residual-fusion.js';
import { addConstant, convParams, expectSameOutputs, float32, kinds, optimize } from './golden.js';

const S = [1, 4, 5, 5];

interface Options {
  epilogue?: Epilogue;
  extraReader?: boolean;
  convIsOutput?: boolean;
  otherShape?: (number | null)[];
  /** The skip operand is computed after the convolution (so the fused layer must move to the add). */
  lateOther?: boolean;
}

/** x[1,4,5,5] → conv → add(conv, other) with other = x or a later abs(x). */
function convResidual(options: Options = {}): Network {
  const net = new Network('residual');
  net.addInput(float32('x', S));
  addConstant(net, 'w', randomTensor('float32', [4, 4, 3, 3], 1));
  const params = convParams(3, options.epilogue ? { epilogue: options.epilogue } : {});
  net.addLayer('convolution', { name: 'conv', inputs: ['x', 'w'], outputs: [float32('c', S)], params });
  let other = 'x';
  if (options.lateOther || options.otherShape) {
    other = 'o';
    net.addLayer('unary', { name: 'abs', inputs: ['x'], outputs: [float32('o', options.otherShape ?? S)], params: { op: 'abs' } });
  }
  net.addLayer('elementwise', { name: 'add', inputs: ['c', other], outputs: [float32('y', S)], params: { op: 'add' } });
  net.markOutput('y');
  if (options.extraReader) {
    net.addLayer('unary', { name: 'neg', inputs: ['c'], outputs: [float32('z', S)], params: { op: 'neg' } });
    net.markOutput('z');
  }
  if (options.convIsOutput) net.markOutput('c');
  return net;
}

const feeds = { x: randomTensor('float32', S, 2) };

describe('residual-fusion', () => {
  it('makes the skip operand the convolution epilogue residual', async () => {
    const before = convResidual();
    const after = await optimize(before, [residualFusion]);
    expect(kinds(after)).toEqual(['constant', 'convolution']);
    const conv = after.layers[1]!;
    expect(conv.inputs).toEqual(['x', 'w', '', 'x']);
    expect(conv.outputs).toEqual(['y']);
    expect(conv.params).toMatchObject({ epilogue: { residualInput: 3 } });
    expectSameOutputs(before, after, feeds);
  });

  it('moves the fused convolution to the add when the skip operand is computed after it', async () => {
    const before = convResidual({ lateOther: true });
    const after = await optimize(before, [residualFusion]);
    expect(kinds(after)).toEqual(['constant', 'unary', 'convolution']);
    expect(() => after.validate()).not.toThrow();
    expectSameOutputs(before, after, feeds);
  });

  it('builds a ResNet block into two convolutions with bias, residual and relu epilogues (default rules)', async () => {
    const before = new Network('block');
    before.addInput(float32('x', S));
    addConstant(before, 'w1', randomTensor('float32', [4, 4, 3, 3], 3));
    addConstant(before, 'w2', randomTensor('float32', [4, 4, 3, 3], 4));
    addConstant(before, 'shift', randomTensor('float32', [4], 5));
    addConstant(before, 'mult', randomTensor('float32', [4], 6, 0.5, 2));
    before.addLayer('convolution', { name: 'conv1', inputs: ['x', 'w1'], outputs: [float32('c1', S)], params: convParams(3) });
    before.addLayer('activation', { name: 'relu1', inputs: ['c1'], outputs: [float32('r1', S)], params: { type: 'relu' } });
    before.addLayer('convolution', { name: 'conv2', inputs: ['r1', 'w2'], outputs: [float32('c2', S)], params: convParams(3) });
    before.addLayer('scale', {
      name: 'bn',
      inputs: ['c2', 'shift', 'mult'],
      outputs: [float32('s', S)],
      params: { mode: 'channel', channelAxis: 1 },
    });
    before.addLayer('elementwise', { name: 'add', inputs: ['x', 's'], outputs: [float32('a', S)], params: { op: 'add' } });
    before.addLayer('activation', { name: 'relu2', inputs: ['a'], outputs: [float32('y', S)], params: { type: 'relu' } });
    before.markOutput('y');
    const after = await optimize(before);
    expect(kinds(after).filter((k) => k !== 'constant')).toEqual(['convolution', 'convolution']);
    const last = after.layers.at(-1)!;
    expect(last.outputs).toEqual(['y']);
    expect(last.params).toMatchObject({ epilogue: { residualInput: 3, activation: { type: 'relu' } } });
    expectSameOutputs(before, after, feeds);
  });

  it('fuses a same-shape add into a matmul', async () => {
    const before = new Network('mm_residual');
    before.addInput(float32('x', [3, 5]));
    before.addInput(float32('skip', [3, 6]));
    addConstant(before, 'w', randomTensor('float32', [6, 5], 7));
    before.addLayer('matrix_multiply', {
      name: 'mm',
      inputs: ['x', 'w'],
      outputs: [float32('m', [3, 6])],
      params: { transposeA: false, transposeB: true },
    });
    before.addLayer('elementwise', { name: 'add', inputs: ['skip', 'm'], outputs: [float32('y', [3, 6])], params: { op: 'add' } });
    before.markOutput('y');
    const after = await optimize(before, [residualFusion]);
    expect(kinds(after)).toEqual(['constant', 'matrix_multiply']);
    expect(after.layers[1]!.inputs).toEqual(['x', 'w', 'skip']);
    expect(after.layers[1]!.params).toMatchObject({ epilogue: { residualInput: 2 } });
    expectSameOutputs(before, after, { x: randomTensor('float32', [3, 5], 8), skip: randomTensor('float32', [3, 6], 9) });
  });

  it('leaves adds whose fusion would hide a value or change the shape', async () => {
    const stays = [
      convResidual({ extraReader: true }),
      convResidual({ convIsOutput: true }),
      convResidual({ epilogue: { activation: { type: 'relu' } } }), // add after an activation is not a residual
      convResidual({ otherShape: [1, 4, 1, 1] }), // broadcasts
      convResidual({ otherShape: [1, 4, null, 5] }), // unknown shape
    ];
    for (const net of stays) expect(kinds(await optimize(net, [residualFusion]))).toContain('elementwise');
  });
});
