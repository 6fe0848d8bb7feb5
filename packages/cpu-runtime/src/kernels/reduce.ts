/**
 * Reductions over a set of axes (from params or a second input). Floats accumulate in
 * float64; int64/uint64 accumulate exactly with bigints where the op stays integral.
 * Reducing an empty set gives the op's identity (0, 1, -Inf for max, +Inf for min).
 */
import { dtypeInfo, ErrorCode, KilnError, normalizeAxis, type ReduceOp, stridesOf, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { bigMax, bigMin } from './elementwise.js';
import { bigints, fromBigInts, fromNumbers, ints, needsBigInt, numbers } from './util/values.js';

interface Accumulator<T> {
  init: T;
  step(acc: T, v: T): T;
  finish(acc: T, count: number): T;
}

const NUMBER_OPS: Record<Exclude<ReduceOp, 'log_sum_exp'>, Accumulator<number>> = {
  sum: { init: 0, step: (a, v) => a + v, finish: (a) => a },
  prod: { init: 1, step: (a, v) => a * v, finish: (a) => a },
  max: { init: -Infinity, step: (a, v) => Math.max(a, v), finish: (a) => a },
  min: { init: Infinity, step: (a, v) => Math.min(a, v), finish: (a) => a },
  mean: { init: 0, step: (a, v) => a + v, finish: (a, n) => a / n },
  l1: { init: 0, step: (a, v) => a + Math.abs(v), finish: (a) => a },
  l2: { init: 0, step: (a, v) => a + v * v, finish: (a) => Math.sqrt(a) },
  log_sum: { init: 0, step: (a, v) => a + v, finish: (a) => Math.log(a) },
  sum_square: { init: 0, step: (a, v) => a + v * v, finish: (a) => a },
};

const BIGINT_OPS: Partial<Record<ReduceOp, Accumulator<bigint>>> = {
  sum: { init: 0n, step: (a, v) => a + v, finish: (a) => a },
  // Products wrap modulo 2^64 as they go, so long reductions keep bounded bigints.
  prod: { init: 1n, step: (a, v) => BigInt.asUintN(64, a * v), finish: (a) => a },
  max: { init: -(2n ** 64n), step: bigMax, finish: (a) => a },
  min: { init: 2n ** 64n, step: bigMin, finish: (a) => a },
  mean: { init: 0n, step: (a, v) => a + v, finish: (a, n) => (n === 0 ? 0n : a / BigInt(n)) },
  l1: { init: 0n, step: (a, v) => a + (v < 0n ? -v : v), finish: (a) => a },
  sum_square: { init: 0n, step: (a, v) => a + v * v, finish: (a) => a },
};

interface Plan {
  outShape: number[];
  /** For every input element, the flat index of the output element it reduces into. */
  target: Int32Array;
  outSize: number;
}

function plan(shape: readonly number[], axes: Set<number>, keepDims: boolean): Plan {
  const groupShape = shape.map((d, i) => (axes.has(i) ? 1 : d));
  const outShape = keepDims ? groupShape : shape.filter((_, i) => !axes.has(i));
  const outSize = groupShape.reduce((a, b) => a * b, 1);
  const groupStrides = stridesOf(groupShape);
  const inStrides = stridesOf(shape);
  const size = shape.reduce((a, b) => a * b, 1);
  const target = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    let rem = i;
    let t = 0;
    for (let d = 0; d < shape.length; d++) {
      const c = Math.floor(rem / inStrides[d]!);
      rem -= c * inStrides[d]!;
      if (!axes.has(d)) t += c * groupStrides[d]!;
    }
    target[i] = t;
  }
  return { outShape, target, outSize };
}

function accumulate<T>(values: ArrayLike<T>, p: Plan, acc: Accumulator<T>): T[] {
  const out = new Array<T>(p.outSize).fill(acc.init);
  const counts = new Int32Array(p.outSize);
  for (let i = 0; i < values.length; i++) {
    const t = p.target[i]!;
    out[t] = acc.step(out[t]!, values[i]!);
    counts[t]!++;
  }
  return out.map((a, t) => acc.finish(a, counts[t]!));
}

function logSumExp(values: Float64Array, p: Plan): number[] {
  const max = accumulate(values, p, NUMBER_OPS.max);
  const sums = new Float64Array(p.outSize);
  for (let i = 0; i < values.length; i++) {
    const t = p.target[i]!;
    if (Number.isFinite(max[t]!)) sums[t] += Math.exp(values[i]! - max[t]!);
  }
  // An infinite (or NaN) maximum decides the result on its own.
  return max.map((m, t) => (Number.isFinite(m) ? m + Math.log(sums[t]!) : m));
}

function reduceAxes(layer: Parameters<Kernel<'reduce'>>[0], x: Tensor, axesInput: Tensor | undefined): Set<number> | null {
  let axes = layer.params.axes;
  if (axesInput) axes = axesInput.size === 0 ? null : ints(axesInput);
  if (axes === null || axes.length === 0) {
    if (layer.params.noopWithEmptyAxes) return null;
    return new Set(x.shape.map((_, i) => i));
  }
  return new Set(axes.map((a) => normalizeAxis(a, x.rank, { layer: { name: layer.name, kind: layer.kind } })));
}

export const reduceKernel: Kernel<'reduce'> = (layer, inputs) => {
  const [x, axesInput] = inputs;
  const { op, keepDims } = layer.params;
  if (!x) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `reduce '${op}' needs an input`);
  if (x.dtype === 'string') throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `reduce '${op}' does not accept string tensors`);
  const axes = reduceAxes(layer, x, axesInput);
  if (axes === null) return [x.clone()];
  const p = plan(x.shape, axes, keepDims);
  const bigOp = BIGINT_OPS[op];
  if (needsBigInt(x.dtype) && bigOp) return [fromBigInts(x.dtype, p.outShape, accumulate(bigints(x), p, bigOp))];
  const values = numbers(x);
  let out = op === 'log_sum_exp' ? logSumExp(values, p) : accumulate(values, p, NUMBER_OPS[op]);
  const info = dtypeInfo(x.dtype);
  if (info.isInteger && (op === 'max' || op === 'min')) {
    // Empty integer reductions give the dtype's bound, not an unrepresentable infinity.
    out = out.map((v) => (v === -Infinity ? info.min : v === Infinity ? info.max : v));
  }
  return [fromNumbers(x.dtype, p.outShape, out)];
};
