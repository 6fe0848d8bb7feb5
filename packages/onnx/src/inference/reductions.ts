/** Reductions (ReduceSum, ReduceMean, …) and ArgMax/ArgMin: reduced axes become 1 or disappear. */
import type { Dim, DType, Shape } from '@kiln-inference/core';
import { type InferenceRule, tensor } from './context.js';
import { axisIn } from './dims.js';

const REDUCE_OPS = [
  'ReduceSum',
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceSumSquare',
] as const;

export function reduceShape(x: Shape, axes: readonly number[], keepDims: boolean): Dim[] | null {
  const reduced = new Set<number>();
  for (const a of axes) {
    const axis = axisIn(a, x.length);
    if (axis === null) return null;
    reduced.add(axis);
  }
  return keepDims ? x.map((d, i) => (reduced.has(i) ? 1 : d)) : x.filter((_, i) => !reduced.has(i));
}

const reduce: InferenceRule = (v) => {
  const x = v.shape(0);
  const keepDims = v.int('keepdims', 1) === 1;
  if (!x) return [tensor(v.dtype(0), null)];
  const axes = v.ints('axes') ?? (v.has(1) ? v.numbers(1) : []);
  if (axes === null) return [tensor(v.dtype(0), keepDims ? x.map(() => null) : null)];
  if (axes.length === 0) {
    const noop = v.int('noop_with_empty_axes', 0) === 1;
    return [
      tensor(
        v.dtype(0),
        noop
          ? x
          : reduceShape(
              x,
              x.map((_, i) => i),
              keepDims,
            ),
      ),
    ];
  }
  return [tensor(v.dtype(0), reduceShape(x, axes, keepDims))];
};

const argReduce: InferenceRule = (v) => {
  const x = v.shape(0);
  const dtype: DType = 'int64';
  return [tensor(dtype, x ? reduceShape(x, [v.int('axis', 0)], v.int('keepdims', 1) === 1) : null)];
};

export const REDUCTION_RULES: Record<string, InferenceRule> = {
  ...Object.fromEntries(REDUCE_OPS.map((op) => [op, reduce])),
  ArgMax: argReduce,
  ArgMin: argReduce,
};
