import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, int, runNode, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape = [values.length]) => Tensor.fromValues('float32', shape, values);

describe('ONNX quantization converters', () => {
  it('QuantizeLinear per tensor defaults to uint8 and rounds half to even', () => {
    const [q] = runNode({ op: 'QuantizeLinear', feeds: { x: f32([0, 1, 3, 5, 600]) }, weights: { s: f32([2], []) } });
    expect(q!.dtype).toBe('uint8');
    expect(q!.toArray()).toEqual([0, 0, 2, 2, 255]);
  });

  it('per-axis scales use the axis attribute; output_dtype picks the type without a zero point', () => {
    const x = f32([1, 2, 3, 4], [2, 2]);
    const spec = { op: 'QuantizeLinear', feeds: { x }, weights: { s: f32([1, 2]) }, attributes: { axis: int(1), output_dtype: int(3) } };
    expect(convertNode(spec).layers.find((l) => l.kind === 'quantize')!.params).toMatchObject({ axis: 1, quantizedType: 'int8' });
    expect(runNode(spec)[0]!.toArray()).toEqual([1, 1, 3, 2]);
  });

  it('DequantizeLinear blocked (opset 21) and per tensor', () => {
    const q = Tensor.fromValues('int8', [1, 4], [1, 2, 3, 4]);
    const spec = {
      op: 'DequantizeLinear',
      feeds: { q },
      weights: { s: f32([1, 10], [1, 2]) },
      attributes: { axis: int(1), block_size: int(2) },
    };
    expectTensorClose(runNode(spec)[0]!, f32([1, 2, 30, 40], [1, 4]), { rtol: 0, atol: 0 });
    const [x] = runNode({ op: 'DequantizeLinear', feeds: { q }, weights: { s: f32([0.5], []), z: Tensor.fromValues('int8', [], [2]) } });
    expectTensorClose(x!, f32([-0.5, 0, 0.5, 1], [1, 4]), { rtol: 0, atol: 0 });
  });

  it('DynamicQuantizeLinear derives scale and zero point from the data range', () => {
    const [y, scale, zp] = runNode({ op: 'DynamicQuantizeLinear', feeds: { x: f32([-1, 0, 2, 4]) }, outputs: ['y', 'scale', 'zp'] });
    expectTensorClose(scale!, f32([5 / 255], []), { rtol: 1e-6, atol: 0 });
    expect(zp!.toArray()).toEqual([51]);
    expect(y!.toArray()).toEqual([0, 51, 153, 255]);
  });

  it('validators reject unknown output types and negative block sizes', () => {
    const feeds = { x: f32([1]) };
    expect(supportOf({ op: 'QuantizeLinear', feeds, weights: { s: f32([1], []) }, attributes: { output_dtype: int(14) } })).toMatchObject({
      supported: false,
    });
    expect(supportOf({ op: 'QuantizeLinear', feeds, weights: { s: f32([1], []) }, attributes: { block_size: int(-2) } })).toMatchObject({
      supported: false,
    });
    expect(
      supportOf({ op: 'DequantizeLinear', feeds: { q: Tensor.fromValues('string', [1], ['a']) }, weights: { s: f32([1], []) } }),
    ).toMatchObject({
      supported: false,
      category: 'unsupported-dtype',
    });
  });
});
