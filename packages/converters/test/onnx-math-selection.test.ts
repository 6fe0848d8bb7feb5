import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { int, runNode, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape = [values.length]) => Tensor.fromValues('float32', shape, values);

describe('ONNX selection converters', () => {
  it('Where selects with broadcasting', () => {
    const [y] = runNode({ op: 'Where', feeds: { c: Tensor.fromValues('bool', [2], [true, false]), a: f32([1, 2]), b: f32([9], [1]) } });
    expect(y!.toArray()).toEqual([1, 9]);
    expect(supportOf({ op: 'Where', feeds: { c: f32([1]), a: f32([1]), b: f32([1]) } })).toMatchObject({
      supported: false,
      category: 'unsupported-dtype',
    });
  });

  it('TopK: k is an attribute in opset 1 and an input from opset 10', () => {
    const x = f32([1, 4, 2, 3]);
    const [v1, i1] = runNode({ op: 'TopK', opset: 1, feeds: { x }, attributes: { k: int(2) }, outputs: ['v', 'i'] });
    expect(v1!.toArray()).toEqual([4, 3]);
    expect(i1!.toArray()).toEqual([1n, 3n]);
    const [v11] = runNode({
      op: 'TopK',
      opset: 11,
      feeds: { x },
      weights: { k: Tensor.fromValues('int64', [1], [1]) },
      attributes: { largest: int(0) },
      outputs: ['v', 'i'],
    });
    expect(v11!.toArray()).toEqual([1]);
    expect(supportOf({ op: 'TopK', opset: 1, feeds: { x } })).toMatchObject({ supported: false });
  });

  it('Trilu keeps the lower triangle with an offset input', () => {
    const x = f32([1, 2, 3, 4], [2, 2]);
    const [y] = runNode({ op: 'Trilu', feeds: { x }, weights: { k: Tensor.fromValues('int64', [], [0]) }, attributes: { upper: int(0) } });
    expect(y!.toArray()).toEqual([1, 0, 3, 4]);
    expect(supportOf({ op: 'Trilu', feeds: { x: f32([1, 2]) } })).toMatchObject({ supported: false });
  });
});
