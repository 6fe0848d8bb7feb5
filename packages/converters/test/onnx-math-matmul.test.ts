import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertNode, float, int, runNode, supportOf } from './onnx-math-harness.js';

const f32 = (values: number[], shape = [values.length]) => Tensor.fromValues('float32', shape, values);
const a = f32([1, 2, 3, 4, 5, 6], [2, 3]);
const b = f32([1, 0, 0, 1, 1, 1], [3, 2]);

describe('ONNX matmul converters', () => {
  it('MatMul is one matrix_multiply layer', () => {
    const network = convertNode({ op: 'MatMul', feeds: { a, b } });
    expect(network.histogram()).toMatchObject({ matrix_multiply: 1 });
    expectTensorClose(runNode({ op: 'MatMul', feeds: { a, b } })[0]!, f32([4, 5, 10, 11], [2, 2]), { rtol: 0, atol: 0 });
  });

  it('Gemm = matrix_multiply + scale layers for alpha/beta + add of C', () => {
    const spec = {
      op: 'Gemm',
      feeds: { at: f32([1, 4, 2, 5, 3, 6], [3, 2]), b },
      weights: { c: f32([100, 200], [2]) },
      attributes: { transA: int(1), alpha: float(2), beta: float(0.5) },
    };
    const network = convertNode(spec);
    expect(network.histogram()).toMatchObject({ matrix_multiply: 1, scale: 2, elementwise: 1 });
    expectTensorClose(runNode(spec)[0]!, f32([58, 110, 70, 122], [2, 2]), { rtol: 0, atol: 0 });
    const plain = convertNode({ op: 'Gemm', feeds: { a, b } });
    expect(plain.histogram()).toEqual({ matrix_multiply: 1 });
  });

  it('Gemm rejects non-matrix inputs in validation', () => {
    expect(supportOf({ op: 'Gemm', feeds: { a: f32([1, 2, 3]), b } })).toMatchObject({ supported: false });
  });

  it('MatMulInteger subtracts per-row and per-column zero points in int32', () => {
    const qa = Tensor.fromValues('uint8', [2, 2], [10, 12, 20, 22]);
    const qb = Tensor.fromValues('int8', [2, 2], [1, 2, 3, 4]);
    const [y] = runNode({
      op: 'MatMulInteger',
      feeds: { qa, qb },
      weights: { azp: Tensor.fromValues('uint8', [2], [10, 20]), bzp: Tensor.fromValues('int8', [2], [1, 0]) },
    });
    expect(y!.dtype).toBe('int32');
    // A − [10, 20] per row = [[0, 2], [0, 2]]; B − [1, 0] per column = [[0, 2], [2, 4]].
    expect(y!.toArray()).toEqual([4, 8, 4, 8]);
  });

  it('QLinearMatMul requantises the exact integer product', () => {
    const u8 = (values: number[], shape: number[]) => Tensor.fromValues('uint8', shape, values);
    const [y] = runNode({
      op: 'QLinearMatMul',
      feeds: { qa: u8([130, 128, 126, 140], [2, 2]) },
      weights: {
        as: f32([0.5], []),
        azp: u8([128], []),
        qb: u8([129, 127, 131, 128], [2, 2]),
        bs: f32([0.25], []),
        bzp: u8([128], []),
        ys: f32([0.125], []),
        yzp: u8([100], []),
      },
    });
    // (A − 128)(B − 128) = [[2, 0], [−2, 12]]·[[1, −1], [3, 0]] = [[2, −2], [34, 2]]; ×(0.5·0.25/0.125) + 100.
    expect(y!.toArray()).toEqual([102, 98, 134, 102]);
  });
});
