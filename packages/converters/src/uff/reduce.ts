/**
 * UFF Reduce (by `func`, over the `axes` field) and ArgMax/ArgMin (the `axis` field), with
 * axes read through `storedAxis`. `keepdims` is honoured as the file states it, so outputs
 * keep the source framework's shapes (TensorRT's parser ignored it and always kept dims).
 */
import type { ReduceOp } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { storedAxes, storedAxis } from './dim-orders.js';

const REDUCTIONS: Record<string, ReduceOp> = { sum: 'sum', prod: 'prod', max: 'max', min: 'min', mean: 'mean' };

function convertReduce(ctx: ConversionContext): void {
  const func = ctx.attrs.string('func', '');
  const op = REDUCTIONS[func];
  if (!op) throw ctx.error(`reduce func '${func}' is not supported`, `supported: ${Object.keys(REDUCTIONS).join(', ')}`);
  const axes = storedAxes(ctx, 'axes');
  if (!axes) throw ctx.error("Reduce has no 'axes' field", 'the UFF file is malformed');
  const params = { op, axes, keepDims: ctx.attrs.bool('keepdims', false), noopWithEmptyAxes: true };
  ctx.addLayer('reduce', params, [ctx.input(0)], [{ name: ctx.output(0), dtype: ctx.inputDType(0) ?? 'float32' }]);
}

/** Indices come out as int32, as TensorRT returned them; the converter records no output type. */
function convertArg(ctx: ConversionContext, op: 'max' | 'min'): void {
  const field = ctx.attrs.int('axis');
  if (field === undefined) throw ctx.error(`${ctx.node.op} has no 'axis' field`, 'the UFF file is malformed');
  const params = { op, axis: storedAxis(ctx, field), keepDims: false, selectLastIndex: false };
  const indices = ctx.addLayer('arg_reduce', params, [ctx.input(0)], [{ dtype: 'int64' }])[0]!;
  ctx.addLayer('cast', { to: 'int32' }, [indices], [{ name: ctx.output(0), dtype: 'int32' }]);
}

export const uffReduceConverters: Converter[] = [
  { domain: 'uff', op: 'Reduce', convert: convertReduce, restrictions: 'func sum, prod, max, min or mean' },
  { domain: 'uff', op: 'ArgMax', convert: (ctx) => convertArg(ctx, 'max') },
  { domain: 'uff', op: 'ArgMin', convert: (ctx) => convertArg(ctx, 'min') },
];
