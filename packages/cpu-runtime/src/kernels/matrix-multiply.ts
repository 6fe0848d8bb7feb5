/**
 * numpy matmul: 1-D operands are promoted (and the added dim dropped), batch dims broadcast,
 * transposes swap the last two dims. Floats accumulate in float64; integers of 32 bits or more
 * accumulate with bigints so products never lose precision, then wrap to the output dtype.
 * A fused epilogue (residual add, activation) runs after the product.
 */
import { broadcastShapes, dtypeInfo, ErrorCode, formatShape, KilnError, stridesOf, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { activationFunction } from './activation.js';
import { applyBinary } from './elementwise.js';
import { unravelIndex } from './util/broadcast.js';
import { bigints, fromBigInts, fromNumbers, numbers } from './util/values.js';

interface Operand {
  batch: number[];
  rows: number;
  cols: number;
  /** Strides of the (possibly transposed) matrix view: element (r, c) is at r*rs + c*cs. */
  rs: number;
  cs: number;
}

function operand(t: Tensor, transpose: boolean, isLeft: boolean): Operand {
  let shape = [...t.shape];
  // A vector is a row (left) or a column (right), per numpy.
  if (shape.length === 1) shape = isLeft ? [1, shape[0]!] : [shape[0]!, 1];
  if (shape.length === 0) throw new KilnError(ErrorCode.INVALID_SHAPE, 'matrix_multiply does not accept scalars');
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  return transpose
    ? { batch: shape.slice(0, -2), rows: c, cols: r, rs: 1, cs: c }
    : { batch: shape.slice(0, -2), rows: r, cols: c, rs: c, cs: 1 };
}

/** Flat offset of the matrix selected by output batch coordinates in a broadcast operand. */
function batchOffset(coords: number[], batch: number[], matrixSize: number): number {
  const offset = coords.length - batch.length;
  const strides = stridesOf(batch);
  let idx = 0;
  for (let i = 0; i < batch.length; i++) if (batch[i] !== 1) idx += coords[offset + i]! * strides[i]!;
  return idx * matrixSize;
}

function outputShape(a: Tensor, b: Tensor, batch: number[], m: number, n: number): number[] {
  const shape = [...batch];
  if (a.rank !== 1) shape.push(m);
  if (b.rank !== 1) shape.push(n);
  return shape;
}

/** Arithmetic of one accumulation domain: float64 numbers or exact bigints. */
interface Ring<T> {
  zero: T;
  multiplyAdd(acc: T, x: T, y: T): T;
}

const NUMBER_RING: Ring<number> = { zero: 0, multiplyAdd: (acc, x, y) => acc + x * y };
const BIGINT_RING: Ring<bigint> = { zero: 0n, multiplyAdd: (acc, x, y) => acc + x * y };

interface Geometry {
  A: Operand;
  B: Operand;
  batch: number[];
  m: number;
  k: number;
  n: number;
}

function multiply<T>(va: ArrayLike<T>, vb: ArrayLike<T>, g: Geometry, ring: Ring<T>): T[] {
  const { A, B, batch, m, k, n } = g;
  const batchCount = batch.reduce((x, y) => x * y, 1);
  const out = new Array<T>(batchCount * m * n);
  const coords = new Array<number>(batch.length);
  for (let bi = 0; bi < batchCount; bi++) {
    unravelIndex(bi, batch, coords);
    const oa = batchOffset(coords, A.batch, m * k);
    const ob = batchOffset(coords, B.batch, k * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = ring.zero;
        for (let p = 0; p < k; p++) acc = ring.multiplyAdd(acc, va[oa + i * A.rs + p * A.cs]!, vb[ob + p * B.rs + j * B.cs]!);
        out[(bi * m + i) * n + j] = acc;
      }
    }
  }
  return out;
}

export function matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  const A = operand(a, transposeA, true);
  const B = operand(b, transposeB, false);
  if (A.cols !== B.rows) {
    throw new KilnError(ErrorCode.SHAPE_MISMATCH, `matrix_multiply inner dims differ: ${formatShape(a.shape)} × ${formatShape(b.shape)}`, {
      hint: 'the last dim of A (after transposeA) must equal the second-to-last of B',
    });
  }
  const g: Geometry = { A, B, batch: broadcastShapes([A.batch, B.batch]), m: A.rows, k: A.cols, n: B.cols };
  const shape = outputShape(a, b, g.batch, g.m, g.n);
  const info = dtypeInfo(a.dtype);
  // 32-bit and wider integer products can pass 2^53: accumulate those exactly.
  if (info.isInteger && info.bits >= 32) return fromBigInts(a.dtype, shape, multiply(bigints(a), bigints(b), g, BIGINT_RING));
  return fromNumbers(a.dtype, shape, multiply(numbers(a), numbers(b), g, NUMBER_RING));
}

export const matrixMultiplyKernel: Kernel<'matrix_multiply'> = (layer, inputs) => {
  const [a, b] = inputs;
  if (!a || !b) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'matrix_multiply needs inputs [a, b]');
  if (a.dtype !== b.dtype) {
    throw new KilnError(ErrorCode.INVALID_DTYPE, `matrix_multiply operands differ in dtype (${a.dtype} and ${b.dtype})`, {
      hint: 'cast both operands to one dtype',
    });
  }
  const info = dtypeInfo(a.dtype);
  if (!info.isFloat && !info.isInteger) throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `matrix_multiply does not accept ${a.dtype}`);
  let y = matmul(a, b, layer.params.transposeA, layer.params.transposeB);
  const epilogue = layer.params.epilogue;
  if (epilogue?.residualInput !== undefined) {
    const residual = inputs[epilogue.residualInput];
    if (!residual) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `epilogue residual input ${epilogue.residualInput} is missing`);
    y = applyBinary('add', y, residual);
  }
  if (epilogue?.activation) y = fromNumbers(y.dtype, y.shape, numbers(y).map(activationFunction(epilogue.activation)));
  return [y];
};
