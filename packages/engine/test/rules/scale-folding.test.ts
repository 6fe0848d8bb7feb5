import { Network, type Tensor } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { constantFolding } from '../../src/builder/rules/constant-folding.js';
import { deadLayerElimination } from '../../src/builder/rules/dead-layer-elimination.js';
import { scaleFolding } from '../../src/builder/rules/scale-folding.js';
import { expectSameOutputs, kinds, optimize } from './golden.js';

const conv = {
  kernelShape: [3, 3],
  strides: [1, 1],
  padsBegin: [1, 1],
  padsEnd: [1, 1],
  dilations: [1, 1],
  groups: 1,
  paddingMode: 'explicit' as const,
};

function addConstant(net: Network, name: string, value: Tensor): void {
  net.addLayer('constant', { name, inputs: [], outputs: [{ name, dtype: value.dtype, shape: [...value.shape] }], params: { value } });
}

/** conv(x, w, b?) → per-channel scale (BatchNorm as converters emit it) → relu. */
function convBatchNorm(withBias: boolean, scaleInputs: (net: Network) => string[]): Network {
  const net = new Network('conv_bn');
  net.addInput({ name: 'x', dtype: 'float32', shape: [1, 3, 6, 6] });
  addConstant(net, 'w', randomTensor('float32', [4, 3, 3, 3], 11));
  if (withBias) addConstant(net, 'b', randomTensor('float32', [4], 12));
  net.addLayer('convolution', {
    name: 'conv',
    inputs: ['x', 'w', withBias ? 'b' : ''],
    outputs: [{ name: 'c', dtype: 'float32', shape: [1, 4, 6, 6] }],
    params: conv,
  });
  net.addLayer('scale', {
    name: 'bn',
    inputs: ['c', ...scaleInputs(net)],
    outputs: [{ name: 's', dtype: 'float32', shape: [1, 4, 6, 6] }],
    params: { mode: 'channel', channelAxis: 1 },
  });
  net.addLayer('activation', {
    name: 'relu',
    inputs: ['s'],
    outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4, 6, 6] }],
    params: { type: 'relu' },
  });
  net.markOutput('y');
  return net;
}

function shiftAndScale(net: Network): string[] {
  addConstant(net, 'shift', randomTensor('float32', [4], 13));
  addConstant(net, 'mult', randomTensor('float32', [4], 14, 0.5, 2));
  return ['shift', 'mult', ''];
}

/** Folding without the fusions that follow it in the default list (they would absorb the relu and the matmul shift). */
const folding = [constantFolding, deadLayerElimination, scaleFolding];

describe('scale-folding', () => {
  it('folds a BatchNorm scale into convolution weights and bias', async () => {
    const before = convBatchNorm(true, shiftAndScale);
    const after = await optimize(before, folding);
    expect(kinds(after)).toEqual(['constant', 'constant', 'convolution', 'activation']);
    expect(after.layers[2]!.outputs).toEqual(['s']);
    expectSameOutputs(before, after, { x: randomTensor('float32', [1, 3, 6, 6], 15) });
    // The default rules then fuse the relu too: one convolution is left.
    const fused = await optimize(before);
    expect(kinds(fused)).toEqual(['constant', 'constant', 'convolution']);
    expectSameOutputs(before, fused, { x: randomTensor('float32', [1, 3, 6, 6], 15) });
  });

  it('creates the bias when the convolution had none, and folds a multiplier-only scale', async () => {
    const onlyScale = (net: Network) => {
      addConstant(net, 'mult', randomTensor('float32', [4], 16, -2, 2));
      return ['', 'mult'];
    };
    for (const build of [() => convBatchNorm(false, shiftAndScale), () => convBatchNorm(false, onlyScale)]) {
      const before = build();
      const after = await optimize(before, folding);
      expect(kinds(after)).toEqual(['constant', 'constant', 'convolution', 'activation']);
      expectSameOutputs(before, after, { x: randomTensor('float32', [1, 3, 6, 6], 17) });
    }
  });

  it('leaves a convolution whose output has another reader, and a scale with a power', async () => {
    const shared = convBatchNorm(true, shiftAndScale);
    shared.addLayer('unary', {
      name: 'other',
      inputs: ['c'],
      outputs: [{ name: 'o', dtype: 'float32', shape: [1, 4, 6, 6] }],
      params: { op: 'abs' },
    });
    shared.markOutput('o');
    expect(kinds(await optimize(shared, [scaleFolding]))).toContain('scale');
    const powered = convBatchNorm(true, (net) => {
      addConstant(net, 'p', randomTensor('float32', [4], 18, 2, 3));
      return ['', '', 'p'];
    });
    expect(kinds(await optimize(powered, [scaleFolding]))).toContain('scale');
  });

  for (const transposeB of [false, true]) {
    it(`folds the multiplier into matmul weights (transposeB ${transposeB}) and keeps the shift`, async () => {
      const net = new Network('matmul_scale');
      net.addInput({ name: 'x', dtype: 'float32', shape: [2, 5] });
      addConstant(net, 'w', randomTensor('float32', transposeB ? [4, 5] : [5, 4], 21));
      net.addLayer('matrix_multiply', {
        name: 'mm',
        inputs: ['x', 'w'],
        outputs: [{ name: 'm', dtype: 'float32', shape: [2, 4] }],
        params: { transposeA: false, transposeB },
      });
      addConstant(net, 'shift', randomTensor('float32', [4], 22));
      addConstant(net, 'mult', randomTensor('float32', [4], 23, 0.5, 2));
      net.addLayer('scale', {
        name: 'affine',
        inputs: ['m', 'shift', 'mult'],
        outputs: [{ name: 'y', dtype: 'float32', shape: [2, 4] }],
        params: { mode: 'channel', channelAxis: 1 },
      });
      net.markOutput('y');
      const after = await optimize(net, folding);
      expect(kinds(after)).toEqual(['constant', 'matrix_multiply', 'constant', 'scale']);
      const scale = after.layers.find((l) => l.kind === 'scale')!;
      expect(scale.inputs).toEqual(['m', 'shift', '', '']);
      expectSameOutputs(net, after, { x: randomTensor('float32', [2, 5], 24) });
    });
  }
});
