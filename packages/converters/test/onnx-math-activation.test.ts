import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, float, runNode, str, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape = [values.length]) => Tensor.fromValues('float32', shape, values);
const x = f32([-2, -0.5, 0.5, 2]);

describe('ONNX activation converters', () => {
  it('table entries read their attributes with ONNX defaults', () => {
    expectTensorClose(runNode({ op: 'LeakyRelu', feeds: { x } })[0]!, f32([-0.02, -0.005, 0.5, 2]), { rtol: 1e-6, atol: 0 });
    expectTensorClose(runNode({ op: 'LeakyRelu', feeds: { x }, attributes: { alpha: float(0.5) } })[0]!, f32([-1, -0.25, 0.5, 2]), {
      rtol: 1e-6,
      atol: 0,
    });
    const selu = (v: number) => (v > 0 ? 1.0507010221481323 * v : 1.0507010221481323 * 1.6732631921768188 * Math.expm1(v));
    expectTensorClose(runNode({ op: 'Selu', feeds: { x } })[0]!, f32([-2, -0.5, 0.5, 2].map(selu)), { rtol: 1e-6, atol: 0 });
    expectTensorClose(
      runNode({ op: 'Shrink', feeds: { x }, attributes: { lambd: float(1), bias: float(0.5) } })[0]!,
      f32([-1.5, 0, 0, 1.5]),
      { rtol: 0, atol: 0 },
    );
  });

  it('Clip: attributes before opset 11, constant inputs fold, dynamic inputs become max/min', () => {
    const want = f32([-1, -0.5, 0.5, 1]);
    expectTensorClose(runNode({ op: 'Clip', opset: 6, feeds: { x }, attributes: { min: float(-1), max: float(1) } })[0]!, want, {
      rtol: 0,
      atol: 0,
    });
    const folded = convertNode({ op: 'Clip', opset: 13, feeds: { x }, weights: { lo: f32([-1], []), hi: f32([1], []) } });
    expect(folded.histogram().activation).toBe(1);
    expectTensorClose(runNode({ op: 'Clip', opset: 13, feeds: { x }, weights: { lo: f32([-1], []), hi: f32([1], []) } })[0]!, want, {
      rtol: 0,
      atol: 0,
    });
    const dynamic = { op: 'Clip', opset: 13, feeds: { x, lo: f32([-1], []), hi: f32([1], []) } };
    expect(convertNode(dynamic).histogram().elementwise).toBe(2);
    expectTensorClose(runNode(dynamic)[0]!, want, { rtol: 0, atol: 0 });
    const onlyMax = { op: 'Clip', opset: 13, feeds: { x, hi: f32([0], []) }, nodeInputs: ['x', '', 'hi'] };
    expectTensorClose(runNode(onlyMax)[0]!, f32([-2, -0.5, 0, 0]), { rtol: 0, atol: 0 });
  });

  it('Gelu picks the erf or tanh form and rejects other approximations', () => {
    expectTensorClose(runNode({ op: 'Gelu', feeds: { x: f32([1]) } })[0]!, f32([0.8413447460685429]), { rtol: 1e-6, atol: 0 });
    expectTensorClose(
      runNode({ op: 'Gelu', feeds: { x: f32([1]) }, attributes: { approximate: str('tanh') } })[0]!,
      f32([0.8411919906082768]),
      { rtol: 1e-6, atol: 0 },
    );
    expect(supportOf({ op: 'Gelu', feeds: { x }, attributes: { approximate: str('fast') } })).toMatchObject({
      supported: false,
      category: 'unsupported-attribute',
    });
  });

  it('PRelu before opset 7 applies a 1-D slope per channel (axis 1)', () => {
    const x4 = f32([-1, -1, -1, -1], [1, 2, 2, 1]);
    const [y] = runNode({ op: 'PRelu', opset: 6, feeds: { x4 }, weights: { s: f32([0.5, 2]) } });
    expectTensorClose(y!, f32([-0.5, -0.5, -2, -2], [1, 2, 2, 1]), { rtol: 0, atol: 0 });
  });

  it('PRelu broadcasts its slope; float activations reject integer inputs', () => {
    expectTensorClose(runNode({ op: 'PRelu', feeds: { x }, weights: { s: f32([0.1], [1]) } })[0]!, f32([-0.2, -0.05, 0.5, 2]), {
      rtol: 1e-6,
      atol: 0,
    });
    expect(supportOf({ op: 'Sigmoid', feeds: { x: Tensor.fromValues('int32', [1], [1]) } })).toMatchObject({
      supported: false,
      category: 'unsupported-dtype',
    });
    expect(runNode({ op: 'Relu', feeds: { x: Tensor.fromValues('int32', [2], [-3, 3]) } })[0]!.toArray()).toEqual([0, 3]);
  });
});
