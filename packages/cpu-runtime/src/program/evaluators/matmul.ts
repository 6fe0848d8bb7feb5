/** The matrix-product family: gemm and batched_matmul through matrix_multiply (and elementwise for alpha, beta, bias). */
import { Tensor } from '@kiln-inference/core';
import { type FamilyEvaluators, layer, run } from '../evaluator.js';
export const matmulEvaluators: FamilyEvaluators<'gemm' | 'batched_matmul'> = {
  gemm(op, t) {
    const product = run(layer('matrix_multiply', { transposeA: op.transA, transposeB: op.transB }, 2), [t.a, t.b]);
    let y = op.alpha === 1 ? product : run(layer('elementwise', { op: 'mul' }, 2), [product, Tensor.scalar('float32', op.alpha)]);
    if (t.bias) {
      const bias = op.beta === 1 ? t.bias : run(layer('elementwise', { op: 'mul' }, 2), [t.bias, Tensor.scalar('float32', op.beta)]);
      y = run(layer('elementwise', { op: 'add' }, 2), [y, bias]);
    }
    return op.activation ? run(layer('activation', op.activation, 1), [y]) : y;
  },
  batched_matmul: (_op, t) => run(layer('matrix_multiply', { transposeA: false, transposeB: false }, 2), [t.a, t.b]),
};
