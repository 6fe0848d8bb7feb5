/**
 * ONNX reductions and ArgMax/ArgMin. Axes are an attribute until opset 13 (ReduceSum) or 18
 * (the others) and an optional input afterwards; a constant axes input folds into params.
 */
import type { DType, ReduceOp } from '@kiln-inference/core';
import { type ConversionContext, type Converter, SUPPORTED, unsupported, type ValidationContext } from '../converter.js';
import {
  allOf,
  checkInputDTypes,
  constantInts,
  knownRank,
  NUMERIC_TYPES,
  normalizeAxes,
  onnxConverter,
  requireDType,
} from './math/common.js';

interface ReduceEntry {
  op: ReduceOp;
  /** First opset where axes is an input. */
  axesInputSince: number;
}

const REDUCE_OPS: Record<string, ReduceEntry> = {
  ReduceSum: { op: 'sum', axesInputSince: 13 },
  ReduceMean: { op: 'mean', axesInputSince: 18 },
  ReduceMax: { op: 'max', axesInputSince: 18 },
  ReduceMin: { op: 'min', axesInputSince: 18 },
  ReduceProd: { op: 'prod', axesInputSince: 18 },
  ReduceL1: { op: 'l1', axesInputSince: 18 },
  ReduceL2: { op: 'l2', axesInputSince: 18 },
  ReduceLogSum: { op: 'log_sum', axesInputSince: 18 },
  ReduceLogSumExp: { op: 'log_sum_exp', axesInputSince: 18 },
  ReduceSumSquare: { op: 'sum_square', axesInputSince: 18 },
};

/** Max/Min also reduce bool (opset 20) and 8-bit integers. */
const REDUCE_DTYPES: readonly DType[] = [...NUMERIC_TYPES, 'bool'];

function reduceConverter(onnxOp: string, entry: ReduceEntry): Converter {
  return onnxConverter(
    onnxOp,
    (ctx) => {
      const keepDims = ctx.attrs.int('keepdims', 1) !== 0;
      const noopWithEmptyAxes = ctx.attrs.int('noop_with_empty_axes', 0) !== 0;
      const rank = knownRank(ctx, 0);
      const inputs = [ctx.input(0)];
      let axes: number[] | null;
      if (ctx.opset < entry.axesInputSince) {
        const a = ctx.attrs.ints('axes');
        axes = a && a.length > 0 ? normalizeAxes(ctx, a, rank) : null;
      } else if (!ctx.hasInput(1)) {
        axes = null;
      } else {
        const constant = constantInts(ctx, 1);
        if (constant) axes = constant.length > 0 ? normalizeAxes(ctx, constant, rank) : null;
        else {
          axes = null;
          inputs.push(ctx.input(1));
        }
      }
      const params = { op: entry.op, axes, keepDims, noopWithEmptyAxes };
      ctx.addLayer('reduce', params, inputs, [{ name: ctx.output(0), dtype: requireDType(ctx, 0) }]);
    },
    { dtypes: REDUCE_DTYPES, validate: (ctx) => checkInputDTypes(ctx, REDUCE_DTYPES) },
  );
}

function validateArg(ctx: ValidationContext) {
  return allOf(
    () => checkInputDTypes(ctx, NUMERIC_TYPES),
    () => {
      const rank = knownRank(ctx, 0);
      const axis = ctx.attrs.int('axis', 0);
      if (rank !== undefined && (axis < -Math.max(rank, 1) || axis >= Math.max(rank, 1))) {
        return unsupported('unsupported-attribute', `${ctx.node.op} axis ${axis} is out of range for rank ${rank}`);
      }
      return SUPPORTED;
    },
  );
}

function argConverter(onnxOp: 'ArgMax' | 'ArgMin'): Converter {
  return onnxConverter(
    onnxOp,
    (ctx: ConversionContext) => {
      const params = {
        op: onnxOp === 'ArgMax' ? ('max' as const) : ('min' as const),
        axis: normalizeAxes(ctx, [ctx.attrs.int('axis', 0)], knownRank(ctx, 0))[0]!,
        keepDims: ctx.attrs.int('keepdims', 1) !== 0,
        selectLastIndex: ctx.attrs.int('select_last_index', 0) !== 0,
      };
      ctx.addLayer('arg_reduce', params, [ctx.input(0)], [{ name: ctx.output(0), dtype: 'int64' }]);
    },
    { dtypes: NUMERIC_TYPES, validate: validateArg },
  );
}

export const reduceConverters: readonly Converter[] = [
  ...Object.entries(REDUCE_OPS).map(([name, e]) => reduceConverter(name, e)),
  argConverter('ArgMax'),
  argConverter('ArgMin'),
];
