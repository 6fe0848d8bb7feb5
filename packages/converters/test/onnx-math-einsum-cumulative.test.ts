import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { int, runNode, str, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape = [values.length]) => Tensor.fromValues('float32', shape, values);

describe('ONNX Einsum and CumSum/CumProd converters', () => {
  it('Einsum passes the equation through', () => {
    const [y] = runNode({
      op: 'Einsum',
      feeds: { a: f32([1, 2, 3, 4], [2, 2]), b: f32([1, 1]) },
      attributes: { equation: str('ij,j->i') },
    });
    expectTensorClose(y!, f32([3, 7]), { rtol: 0, atol: 0 });
  });

  it('Einsum validation catches malformed equations and operand-count mismatches', () => {
    const feeds = { a: f32([1, 2]) };
    expect(supportOf({ op: 'Einsum', feeds, attributes: { equation: str('i$->i') } })).toMatchObject({ supported: false });
    expect(supportOf({ op: 'Einsum', feeds, attributes: { equation: str('i,i->') } })).toMatchObject({ supported: false });
  });

  it('CumSum exclusive/reverse and CumProd', () => {
    const x = f32([1, 2, 3]);
    const axis = Tensor.fromValues('int32', [], [0]);
    expectTensorClose(
      runNode({ op: 'CumSum', feeds: { x }, weights: { axis }, attributes: { exclusive: int(1), reverse: int(1) } })[0]!,
      f32([5, 3, 0]),
      { rtol: 0, atol: 0 },
    );
    expectTensorClose(runNode({ op: 'CumProd', opset: 26, feeds: { x }, weights: { axis } })[0]!, f32([1, 2, 6]), { rtol: 0, atol: 0 });
  });
});
