import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { convertNode, int, ints, runNode } from './onnx-tensor-harness.js';

const iota = (shape: number[]) =>
  Tensor.fromValues(
    'float32',
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
  );
const x6 = { name: 'x', dtype: 'float32' as const, shape: [6] };

describe('ONNX Concat / Split / Slice converters', () => {
  it('Concat infers the joined shape and normalises a negative axis', () => {
    const spec = {
      op: 'Concat',
      opset: 13,
      attributes: { axis: int(-1) },
      inputs: [
        { name: 'a', dtype: 'float32' as const, shape: [2, 1] },
        { name: 'b', dtype: 'float32' as const, shape: [2, 2] },
      ],
    };
    const net = convertNode(spec);
    const layer = net.layers.find((l) => l.kind === 'concatenation')!;
    expect(layer.params).toEqual({ axis: 1 });
    expect(net.tensor(layer.outputs[0]!).shape).toEqual([2, 3]);
  });

  it('Split reads sizes from the attribute (opset 11), the input (13) or splits evenly (18)', () => {
    const outputs = ['p', 'q'];
    const s11 = { op: 'Split', opset: 11, attributes: { split: ints([2, 4]) }, inputs: [x6], outputs };
    expect(runNode(s11, { x: iota([6]) }).map((t) => t.shape[0])).toEqual([2, 4]);
    const s13 = { op: 'Split', opset: 13, inputs: [x6], weights: { s: Tensor.fromValues('int64', [2], [5, 1]) }, outputs };
    expect(runNode(s13, { x: iota([6]) }).map((t) => t.shape[0])).toEqual([5, 1]);
    const s18 = { op: 'Split', opset: 18, attributes: { num_outputs: int(4) }, inputs: [x6], outputs: ['a', 'b', 'c', 'd'] };
    expect(runNode(s18, { x: iota([6]) }).map((t) => t.shape[0])).toEqual([2, 2, 2, 0]);
  });

  it('Split rejects a num_outputs that differs from the node outputs', () => {
    const spec = { op: 'Split', opset: 18, attributes: { num_outputs: int(3) }, inputs: [x6], outputs: ['a', 'b'] };
    expect(() => convertNode(spec)).toThrow(/num_outputs=3/);
  });

  it('Slice-1 turns attributes into constant inputs', () => {
    const spec = { op: 'Slice', opset: 9, attributes: { starts: ints([1]), ends: ints([-1]), axes: ints([0]) }, inputs: [x6] };
    const net = convertNode(spec);
    expect(net.tensor(net.outputs[0]!).shape).toEqual([4]);
    expect(runNode(spec, { x: iota([6]) })[0]!.toArray()).toEqual([1, 2, 3, 4]);
  });

  it('Slice-10 accepts dynamic starts and ends', () => {
    const spec = {
      op: 'Slice',
      opset: 13,
      inputs: [x6, { name: 's', dtype: 'int64' as const, shape: [1] }, { name: 'e', dtype: 'int64' as const, shape: [1] }],
    };
    const [y] = runNode(spec, { x: iota([6]), s: Tensor.fromValues('int64', [1], [4]), e: Tensor.fromValues('int64', [1], [100]) });
    expect(y!.toArray()).toEqual([4, 5]);
  });
});
