/**
 * TF reductions (Mean, Sum, Max, Min, Prod, EuclideanNorm, All, Any with reduction_indices
 * and keep_dims) and ArgMax/ArgMin (int64 indices, cast to output_type).
 */
import type { DType, ReduceOp } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { constNumbers, inputDType, out, tfConverter } from './helpers.js';

const REDUCTIONS: Record<string, ReduceOp> = { Mean: 'mean', Sum: 'sum', Max: 'max', Min: 'min', Prod: 'prod', EuclideanNorm: 'l2' };

function convertReduce(ctx: ConversionContext, op: ReduceOp): void {
  const keepDims = ctx.attrs.bool('keep_dims', false);
  const constant = ctx.constantInput(1);
  const params = { op, keepDims, noopWithEmptyAxes: true, axes: constant ? constNumbers(ctx, 1, 'reduction_indices') : null };
  const inputs = constant ? [ctx.input(0)] : [ctx.input(0), ctx.input(1)];
  ctx.addLayer('reduce', params, inputs, [out(ctx, inputDType(ctx))]);
}

/** Casts int64 indices to the TF output type when it differs. */
export function indicesAs(ctx: ConversionContext, indices: string, to: DType, outputIndex: number): void {
  if (to === 'int64') ctx.alias(outputIndex, indices);
  else ctx.addLayer('cast', { to }, [indices], [out(ctx, to, outputIndex)]);
}

function convertArg(ctx: ConversionContext, op: 'max' | 'min'): void {
  const axis = constNumbers(ctx, 1, 'dimension');
  if (axis.length !== 1) throw ctx.error(`dimension must be a scalar, got ${axis.length} values`);
  const indices = ctx.addLayer(
    'arg_reduce',
    { op, axis: axis[0]!, keepDims: false, selectLastIndex: false },
    [ctx.input(0)],
    [{ dtype: 'int64' }],
  )[0]!;
  indicesAs(ctx, indices, ctx.attrs.type('output_type') ?? 'int64', 0);
}

/** All / Any: min / max over the booleans as int32 (0/1), back to bool. */
function convertLogicalReduce(ctx: ConversionContext, op: 'min' | 'max'): void {
  const asInt = ctx.addLayer('cast', { to: 'int32' }, [ctx.input(0)], [{ dtype: 'int32' }])[0]!;
  const constant = ctx.constantInput(1);
  const params = {
    op,
    keepDims: ctx.attrs.bool('keep_dims', false),
    noopWithEmptyAxes: true,
    axes: constant ? constNumbers(ctx, 1, 'reduction_indices') : null,
  };
  const reduced = ctx.addLayer('reduce', params, constant ? [asInt] : [asInt, ctx.input(1)], [{ dtype: 'int32' }])[0]!;
  ctx.addLayer('cast', { to: 'bool' }, [reduced], [out(ctx, 'bool')]);
}

export const tfReduceConverters: Converter[] = [
  tfConverter('All', (ctx) => convertLogicalReduce(ctx, 'min')),
  tfConverter('Any', (ctx) => convertLogicalReduce(ctx, 'max')),
  ...Object.entries(REDUCTIONS).map(([name, op]) => tfConverter(name, (ctx) => convertReduce(ctx, op))),
  tfConverter('ArgMax', (ctx) => convertArg(ctx, 'max')),
  tfConverter('ArgMin', (ctx) => convertArg(ctx, 'min')),
];
