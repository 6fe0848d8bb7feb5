import { type ConvolutionParams, Network } from '@kiln-inference/core';
import { randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { activationFusion } from '../../src/builder/rules/activation-fusion.js';
import { horizontalConvFusion } from '../../src/builder/rules/horizontal-conv-fusion.js';
import { addConstant, convParams, expectSameOutputs, float32, kinds, optimize } from './golden.js';

interface Branch {
  name: string;
  channels: number;
  kernel?: number;
  bias?: boolean;
  params?: Partial<ConvolutionParams>;
}

/** Branch convolutions all reading x[1,3,6,6]; each output is a network output. */
function branches(list: Branch[], batch = 1): Network {
  const net = new Network('branches');
  net.addInput(float32('x', [batch, 3, 6, 6]));
  list.forEach((b, i) => {
    const kernel = b.kernel ?? 1;
    addConstant(net, `${b.name}_w`, randomTensor('float32', [b.channels, 3, kernel, kernel], 10 + i));
    if (b.bias) addConstant(net, `${b.name}_b`, randomTensor('float32', [b.channels], 20 + i));
    const params = convParams(kernel, b.params);
    const stride = params.strides[0]!;
    const size = Math.floor((6 + 2 * params.padsBegin[0]! - kernel) / stride) + 1;
    net.addLayer('convolution', {
      name: b.name,
      inputs: ['x', `${b.name}_w`, b.bias ? `${b.name}_b` : ''],
      outputs: [float32(b.name, [batch, b.channels, size, size])],
      params,
    });
    net.markOutput(b.name);
  });
  return net;
}

const feeds = { x: randomTensor('float32', [1, 3, 6, 6], 1) };

describe('horizontal-conv-fusion', () => {
  it('fuses sibling 1×1 convolutions into one convolution and a channel split', async () => {
    const before = branches([
      { name: 'a', channels: 4, bias: true },
      { name: 'k3', channels: 2, kernel: 3 },
      { name: 'b', channels: 6 },
      { name: 'c', channels: 2, bias: true },
    ]);
    const after = await optimize(before, [horizontalConvFusion]);
    expect(kinds(after).filter((k) => k !== 'constant')).toEqual(['convolution', 'split', 'convolution']);
    const split = after.layers.find((l) => l.kind === 'split')!;
    expect(split.outputs).toEqual(['a', 'b', 'c']);
    expect(split.params).toEqual({ axis: 1, numOutputs: 3 });
    const fused = after.layers.find((l) => l.kind === 'convolution' && l.outputs[0] === split.inputs[0])!;
    expect(after.tensors.get(fused.inputs[1]!)?.shape).toEqual([12, 3, 1, 1]);
    expect(after.tensors.get(fused.outputs[0]!)?.shape).toEqual([1, 12, 6, 6]);
    expect(() => after.validate()).not.toThrow();
    expectSameOutputs(before, after, feeds);
  });

  it('fuses siblings with the same activation after activation fusion (default rules)', async () => {
    const before = branches([
      { name: 'a', channels: 4, bias: true },
      { name: 'b', channels: 5, bias: true },
    ]);
    before.outputs = [];
    for (const b of ['a', 'b']) {
      before.addLayer('activation', {
        name: `${b}_relu`,
        inputs: [b],
        outputs: [float32(`${b}_r`, [1, b === 'a' ? 4 : 5, 6, 6])],
        params: { type: 'relu' },
      });
      before.markOutput(`${b}_r`);
    }
    const after = await optimize(before);
    expect(kinds(after).filter((k) => k !== 'constant')).toEqual(['convolution', 'split']);
    expect(after.layers.find((l) => l.kind === 'convolution')!.params).toMatchObject({ epilogue: { activation: { type: 'relu' } } });
    expectSameOutputs(before, after, feeds);
  });

  it('fuses strided siblings and keeps a batch of two right', async () => {
    const stride = { strides: [2, 2] };
    const before = branches(
      [
        { name: 'a', channels: 3, params: stride },
        { name: 'b', channels: 2, params: stride },
      ],
      2,
    );
    const after = await optimize(before, [horizontalConvFusion]);
    expect(kinds(after)).toContain('split');
    expectSameOutputs(before, after, { x: randomTensor('float32', [2, 3, 6, 6], 2) });
  });

  it('leaves siblings that differ in strides, padding, activation, groups or carry a residual', async () => {
    const differing: Branch[][] = [
      [
        { name: 'a', channels: 2 },
        { name: 'b', channels: 2, params: { strides: [2, 2] } },
      ],
      [
        { name: 'a', channels: 2 },
        { name: 'b', channels: 2, params: { padsBegin: [1, 1], padsEnd: [1, 1] } },
      ],
      [
        { name: 'a', channels: 2 },
        { name: 'b', channels: 2, params: { epilogue: { activation: { type: 'relu' } } } },
      ],
      [
        { name: 'a', channels: 2 },
        { name: 'b', channels: 2, kernel: 3 },
      ],
    ];
    for (const list of differing) expect(kinds(await optimize(branches(list), [horizontalConvFusion]))).not.toContain('split');
    const residual = branches([
      { name: 'a', channels: 3 },
      { name: 'b', channels: 3 },
    ]);
    const b = residual.layers.findIndex((l) => l.name === 'b');
    const layer = residual.layers[b]!;
    residual.layers[b] = {
      ...layer,
      inputs: [...layer.inputs, 'x'],
      params: { ...(layer.params as ConvolutionParams), epilogue: { residualInput: 3 } },
    } as typeof layer;
    expect(kinds(await optimize(residual, [horizontalConvFusion]))).not.toContain('split');
    const grouped = branches([
      { name: 'a', channels: 3, params: { groups: 3 } },
      { name: 'b', channels: 3, params: { groups: 3 } },
    ]);
    for (const l of grouped.layers) if (l.kind === 'constant') l.params.value = randomTensor('float32', [3, 1, 1, 1], 3);
    expect(kinds(await optimize(grouped, [activationFusion, horizontalConvFusion]))).not.toContain('split');
  });
});
