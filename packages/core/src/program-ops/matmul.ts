/** The matrix-product family: gemm (2-D, transposes, bias) and batched_matmul (numpy matmul). */
import { bool, number, req } from '../layer-defs/param-builders.js';
import type { ActivationSpec } from '../layers.js';
import { fusedActivation } from './attribute-types.js';
import { defineProgramOp } from './descriptor.js';
import { type ProgramOpContext, shapeText } from './op-context.js';

/** [M, K] of op(a) and [K', N] of op(b). */
function gemmDims(c: ProgramOpContext<GemmOp>): { m: number; k: number; kb: number; n: number } {
  const as = c.shape(c.op.a);
  const bs = c.shape(c.op.b);
  const [m, k] = c.op.transA ? [as[1]!, as[0]!] : [as[0]!, as[1]!];
  const [kb, n] = c.op.transB ? [bs[1]!, bs[0]!] : [bs[0]!, bs[1]!];
  return { m, k, kb, n };
}

/**
 * y[M,N] = act(alpha·op(a)·op(b) + beta·bias), a [M,K] ([K,M] when transA), b [K,N] ([N,K]
 * when transB); bias broadcasts to [M,N] (numpy rules: [N], [1,N], [M,1] or [M,N]).
 */
export interface GemmOp {
  op: 'gemm';
  a: number;
  b: number;
  bias?: number;
  y: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
  activation?: ActivationSpec;
}

export const gemm = defineProgramOp<GemmOp>('gemm')({
  summary: 'y[M,N] = act(alpha·op(a)·op(b) + beta·bias); bias broadcasts to [M, N]',
  operands: [
    { field: 'a', role: 'input' },
    { field: 'b', role: 'weight' },
    { field: 'bias', role: 'weight', optional: true },
    { field: 'y', role: 'output' },
  ],
  attributes: {
    transA: req(bool),
    transB: req(bool),
    alpha: req(number),
    beta: req(number),
    activation: fusedActivation,
  },
  check(c) {
    const { op } = c;
    c.require(c.shape(op.a).length === 2, 'a must be a matrix', op.a);
    c.require(c.shape(op.b).length === 2, 'b must be a matrix', op.b);
    const { m, k, kb, n } = gemmDims(c);
    c.require(k === kb, `inner dimensions differ (op(a) is [${m}, ${k}], op(b) is [${kb}, ${n}])`, op.b);
    if (op.bias !== undefined) {
      const s = c.shape(op.bias);
      const full = [...new Array<number>(Math.max(0, 2 - s.length)).fill(1), ...s];
      c.require(
        s.length <= 2 && (full[0] === 1 || full[0] === m) && (full[1] === 1 || full[1] === n),
        `the bias must broadcast to [M, N] = [${m}, ${n}]`,
        op.bias,
      );
    }
    c.require(Number.isFinite(op.alpha) && Number.isFinite(op.beta), 'alpha and beta must be finite numbers');
  },
  output(c) {
    const { m, n } = gemmDims(c);
    return { shape: [m, n], pattern: '[M, N]' };
  },
});

/** numpy matmul of rank ≥ 2 operands with broadcast batch dims (no transposes: the lowering adds them). */
export interface BatchedMatmulOp {
  op: 'batched_matmul';
  a: number;
  b: number;
  y: number;
}

export const batched_matmul = defineProgramOp<BatchedMatmulOp>('batched_matmul')({
  summary: 'numpy matmul of rank >= 2 operands with broadcast batch dims',
  operands: [
    { field: 'a', role: 'input' },
    { field: 'b', role: 'input' },
    { field: 'y', role: 'output' },
  ],
  attributes: {},
  check(c) {
    const { op } = c;
    const as = c.shape(op.a);
    const bs = c.shape(op.b);
    c.require(as.length >= 2, 'a must have rank >= 2', op.a);
    c.require(bs.length >= 2, 'b must have rank >= 2', op.b);
    c.require(bs[bs.length - 2] === as[as.length - 1], `b's rows must equal a's columns ${as[as.length - 1]}`, op.b);
  },
  output(c) {
    const as = c.shape(c.op.a);
    const bs = c.shape(c.op.b);
    const rank = Math.max(as.length, bs.length);
    const shape: number[] = [];
    for (let i = rank - 3; i >= 0; i--) {
      const ad = as[as.length - rank + i] ?? 1;
      const bd = bs[bs.length - rank + i] ?? 1;
      c.require(ad === bd || ad === 1 || bd === 1, `batch dims of a ${shapeText(as)} and b ${shapeText(bs)} do not broadcast`, c.op.b);
      shape.unshift(ad === 1 ? bd : ad);
    }
    shape.push(as[as.length - 2]!, bs[bs.length - 1]!);
    return { shape, pattern: '[batch…, M, N]' };
  },
});
