/**
 * LayerDefs of reductions: reduce (over a set of axes from params or an input), arg_reduce and
 * top_k. Indices are int64; kept axes become 1 with keepDims.
 */
import { ErrorCode, KilnError } from '../errors.js';
import type { LayerDef, ValueFacts } from '../layer-def.js';
import type { ReduceOp } from '../layers.js';
import { type Dim, formatShape } from '../shape.js';
import { axisIn, dimProduct, dimSum, knownIntValues, staticDims } from './dims.js';
import { requiredInput } from './input-facts.js';
import { bigMax, bigMin, integerTensor, smallIntegerValue, withValue } from './known-values.js';
import { allOf, arrayOf, bool, int, nullable, oneOf, opt, req } from './param-builders.js';

export const REDUCE_OPS = allOf<ReduceOp>()('sum', 'prod', 'max', 'min', 'mean', 'l1', 'l2', 'log_sum', 'log_sum_exp', 'sum_square');

/** Integer reductions shape arithmetic uses (ReduceProd of a shape is a flatten size). */
const INTEGER_REDUCERS: Partial<Record<ReduceOp, (a: bigint, b: bigint) => bigint>> = {
  sum: (a, b) => a + b,
  prod: (a, b) => a * b,
  max: bigMax,
  min: bigMin,
};

/** The reduced value of a small known integer tensor, or undefined when not cheaply known. */
function reducedValue(op: ReduceOp, x: ValueFacts, axes: ReadonlySet<number>, out: ValueFacts) {
  const v = smallIntegerValue(x);
  const f = INTEGER_REDUCERS[op];
  const outShape = staticDims(out.shape);
  if (!v || !f || !outShape || v.values.length === 0) return undefined;
  const groups = new Map<number, bigint>();
  const shape = v.shape;
  for (let i = 0; i < v.values.length; i++) {
    // Flat index of the group this element reduces into: reduced axes contribute nothing.
    let rem = i;
    let group = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const coord = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
      if (!axes.has(d)) {
        group += coord * stride;
        stride *= shape[d]!;
      }
    }
    const prev = groups.get(group);
    groups.set(group, prev === undefined ? v.values[i]! : f(prev, v.values[i]!));
  }
  const values = Array.from({ length: groups.size }, (_, g) => groups.get(g)!);
  return integerTensor(out.dtype, outShape, values);
}

export const REDUCTION_DEFS: { readonly [K in 'reduce' | 'arg_reduce' | 'top_k']: LayerDef<K> } = {
  reduce: {
    kind: 'reduce',
    summary: 'Sum, product, max, min, mean or a norm over axes from params or an input; null axes = all.',
    params: {
      op: req(oneOf(...REDUCE_OPS)),
      axes: req(nullable(arrayOf(int()))),
      keepDims: req(bool),
      noopWithEmptyAxes: opt(bool, false),
    },
    inputs: [
      { name: 'x', role: 'data' },
      { name: 'axes', role: 'shape', optional: true },
    ],
    outputs: [{ name: 'y' }],
    traits: { foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => {
      const x = requiredInput(inputs, 0, 'x');
      const p = layer.params;
      let axes: readonly number[] | null = p.axes;
      if (layer.inputs[1]) {
        const axesInput = requiredInput(inputs, 1, 'axes');
        const values = knownIntValues(axesInput, 'reduce axes');
        if (values === null) {
          // Which axes is unknown: with keepDims the rank stays, each dim is itself or 1.
          return [{ dtype: x.dtype, shape: p.keepDims && x.shape ? x.shape.map((d) => (d === 1 ? 1 : null)) : null }];
        }
        axes = values.length === 0 ? null : values;
      }
      if (axes === null || axes.length === 0) {
        if (p.noopWithEmptyAxes) return [{ ...x }];
        axes = null;
      }
      if (!x.shape) return [{ dtype: x.dtype, shape: null }];
      const rank = x.shape.length;
      const reduced = new Set(axes === null ? x.shape.map((_, i) => i) : axes.map((a) => axisIn(a, rank, 'reduce axis')));
      const shape: Dim[] = p.keepDims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : x.shape.filter((_, i) => !reduced.has(i));
      const out: ValueFacts = { dtype: x.dtype, shape };
      const value = reducedValue(p.op, x, reduced, out);
      if (value) return [withValue(out, value)];
      // ReduceProd over a symbolic shape (a flatten size) keeps what it can: 'N'·1 = 'N'.
      if (x.dims && x.shape.length === 1 && reduced.has(0) && (p.op === 'prod' || p.op === 'sum')) {
        return [{ ...out, dims: [p.op === 'prod' ? dimProduct(x.dims) : dimSum(x.dims)] }];
      }
      return [out];
    },
  },

  arg_reduce: {
    kind: 'arg_reduce',
    summary: 'int64 index of the max or min along an axis (ONNX ArgMax/ArgMin).',
    params: { op: req(oneOf('max', 'min')), axis: req(int()), keepDims: req(bool), selectLastIndex: req(bool) },
    inputs: [{ name: 'x', role: 'data' }],
    outputs: [{ name: 'indices' }],
    traits: { foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => {
      const x = requiredInput(inputs, 0, 'x');
      if (!x.shape) return [{ dtype: 'int64', shape: null }];
      const axis = axisIn(layer.params.axis, Math.max(x.shape.length, 1), 'arg_reduce axis');
      const shape = layer.params.keepDims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
      return [{ dtype: 'int64', shape }];
    },
  },

  top_k: {
    kind: 'top_k',
    summary: 'The k largest or smallest elements along an axis and their int64 indices (ONNX TopK).',
    params: { axis: req(int()), largest: req(bool), sorted: req(bool) },
    inputs: [
      { name: 'x', role: 'data' },
      { name: 'k', role: 'shape' },
    ],
    outputs: [{ name: 'values' }, { name: 'indices' }],
    traits: { foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => {
      const x = requiredInput(inputs, 0, 'x');
      const kFacts = requiredInput(inputs, 1, 'k');
      const kValues = knownIntValues(kFacts, 'top_k k');
      if (kValues !== null && kValues.length !== 1) {
        throw new KilnError(ErrorCode.INVALID_SHAPE, `top_k k must hold one value, got ${kValues.length}`, {
          hint: 'k is a 1-element tensor',
        });
      }
      let shape: Dim[] | null = null;
      if (x.shape) {
        const axis = axisIn(layer.params.axis, x.shape.length, 'top_k axis');
        const k = kValues?.[0];
        const length = x.shape[axis]!;
        if (k !== undefined && (k < 0 || (typeof length === 'number' && k > length))) {
          throw new KilnError(
            ErrorCode.INVALID_ARGUMENT,
            `top_k k=${k} is outside [0, ${length}] for axis ${axis} of ${formatShape(x.shape)}`,
            {
              hint: 'k cannot exceed the length of the axis',
            },
          );
        }
        shape = x.shape.map((d, i) => (i === axis ? (k ?? null) : d));
      }
      return [
        { dtype: x.dtype, shape },
        { dtype: 'int64', shape },
      ];
    },
  },
};
