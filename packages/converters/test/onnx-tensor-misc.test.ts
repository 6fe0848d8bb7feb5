import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, int, runNode, str } from './onnx-tensor-harness.js';

describe('ONNX GridSample / NonMaxSuppression / ReverseSequence / Unique converters', () => {
  const x = { name: 'x', dtype: 'float32' as const, shape: [1, 1, 2, 2] };
  const image = Tensor.fromValues('float32', [1, 1, 2, 2], [1, 2, 3, 4]);

  it('GridSample maps opset-16 mode names and declares the output shape', () => {
    const spec = {
      op: 'GridSample',
      opset: 16,
      attributes: { mode: str('bicubic'), align_corners: int(1) },
      inputs: [x],
      weights: { g: Tensor.fromValues('float32', [1, 1, 1, 2], [-1, -1]) },
    };
    const net = convertNode(spec);
    const layer = net.layers.find((l) => l.kind === 'grid_sample')!;
    expect(layer.params).toEqual({ mode: 'cubic', paddingMode: 'zeros', alignCorners: true });
    expect(net.tensor(layer.outputs[0]!).shape).toEqual([1, 1, 1, 1]);
    expectTensorClose(runNode(spec, { x: image })[0]!, Tensor.fromValues('float32', [1, 1, 1, 1], [1]), { rtol: 1e-6, atol: 1e-6 });
    expect(() => convertNode({ ...spec, attributes: { padding_mode: str('wrap') } })).toThrow(/padding_mode='wrap'/);
  });

  it('NonMaxSuppression wires every optional input', () => {
    const spec = {
      op: 'NonMaxSuppression',
      opset: 11,
      inputs: [
        { name: 'b', dtype: 'float32' as const, shape: [1, 2, 4] },
        { name: 's', dtype: 'float32' as const, shape: [1, 1, 2] },
      ],
      weights: { m: Tensor.fromValues('int64', [1], [1]) },
    };
    const [y] = runNode(spec, {
      b: Tensor.fromValues('float32', [1, 2, 4], [0, 0, 1, 1, 5, 5, 6, 6]),
      s: Tensor.fromValues('float32', [1, 1, 2], [0.1, 0.9]),
    });
    expect(y!.toArray()).toEqual([0n, 0n, 1n]);
  });

  it('ReverseSequence rejects equal batch and time axes', () => {
    const spec = {
      op: 'ReverseSequence',
      opset: 10,
      attributes: { batch_axis: int(0), time_axis: int(0) },
      inputs: [x],
      weights: { l: Tensor.fromValues('int64', [1], [1]) },
    };
    expect(() => convertNode(spec)).toThrow(/must differ/);
  });

  it('Unique becomes the kiln::Unique plugin with int64 side outputs', () => {
    const spec = {
      op: 'Unique',
      opset: 11,
      attributes: { sorted: int(0) },
      inputs: [{ name: 'v', dtype: 'float32' as const, shape: [4] }],
      outputs: ['u', 'i', 'inv', 'c'],
    };
    const [u, , inv, c] = runNode(spec, { v: Tensor.fromValues('float32', [4], [3, 1, 3, 2]) });
    expect(u!.toArray()).toEqual([3, 1, 2]);
    expect(inv!.toArray()).toEqual([0n, 1n, 0n, 2n]);
    expect(c!.toArray()).toEqual([2n, 1n, 1n]);
  });
});
