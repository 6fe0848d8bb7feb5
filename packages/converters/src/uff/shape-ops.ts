/**
 * UFF data-movement operations: Identity, Reshape, Flatten, Transpose, Squeeze, ExpandDims,
 * Stack, Concat, StridedSlice, Pad, Shape, Gather and GatherV2. Their axes go through
 * `storedAxis` (dim-orders.ts), so an op that declares an order is read as TensorRT read it.
 * StridedSlice and Pad have TensorFlow's inputs and field names, so the TensorFlow converters
 * run them.
 */
import type { DType } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { tfConverters } from '../tf/index.js';
import { expandOrder, orderOf, storedAxes, storedAxis } from './dim-orders.js';
import { uffRank } from './ranks.js';

function dtypeOf(ctx: ConversionContext, i = 0): DType {
  return ctx.inputDType(i) ?? 'float32';
}

function out(ctx: ConversionContext, i = 0): { name: string; dtype: DType } {
  return { name: ctx.output(0), dtype: dtypeOf(ctx, i) };
}

function requiredInt(ctx: ConversionContext, field: string): number {
  const v = ctx.attrs.int(field);
  if (v === undefined) throw ctx.error(`${ctx.node.op} has no '${field}' field`, 'the UFF file is malformed');
  return v;
}

function convertReshape(ctx: ConversionContext): void {
  const shape = ctx.constantInput(1);
  const dims = shape ? Array.from(shape.toFloat64()) : ctx.attrs.ints('shape');
  if (!dims) throw ctx.error('Reshape needs a constant shape input or a shape field');
  ctx.addLayer('shuffle', { reshape: dims, allowZero: true }, [ctx.input(0)], [out(ctx)]);
}

/** Without a `permutation`, the permutation that takes `inputs_orders` to `outputs_orders`. */
function orderPermutation(ctx: ConversionContext): number[] | undefined {
  const from = orderOf(ctx, 'inputs_orders', 0);
  const to = orderOf(ctx, 'outputs_orders', 0);
  const rank = uffRank(ctx, 0);
  if (!from || !to) return undefined;
  if (rank === undefined) throw ctx.error('a Transpose between dimension orders needs the input rank, which is unknown');
  const fromRoles = expandOrder(from, rank);
  const toRoles = expandOrder(to, rank);
  if (!fromRoles || !toRoles) throw ctx.error(`the orders [${from.join(',')}] → [${to.join(',')}] do not describe a rank-${rank} tensor`);
  return toRoles.map((role) => fromRoles.indexOf(role));
}

function convertTranspose(ctx: ConversionContext): void {
  const perm = ctx.attrs.ints('permutation') ?? orderPermutation(ctx);
  if (!perm) throw ctx.error("Transpose has neither a 'permutation' field nor inputs_orders/outputs_orders");
  const rank = uffRank(ctx, 0);
  const sorted = [...perm].sort((a, b) => a - b);
  if ((rank !== undefined && perm.length !== rank) || sorted.some((p, i) => p !== i)) {
    throw ctx.error(`permutation [${perm.join(',')}] is not a permutation of the input's ${rank ?? perm.length} dims`);
  }
  ctx.addLayer('shuffle', { firstTranspose: perm }, [ctx.input(0)], [out(ctx)]);
}

function convertSqueeze(ctx: ConversionContext): void {
  const axes = storedAxes(ctx, 'axes') ?? storedAxes(ctx, 'axis');
  ctx.addLayer('squeeze', axes?.length ? { axes } : {}, [ctx.input(0)], [out(ctx)]);
}

/** The new axis counts positions of the output, one more than the input has. */
function convertExpandDims(ctx: ConversionContext): void {
  const axis = requiredInt(ctx, 'axis');
  const rank = uffRank(ctx, 0);
  if (rank !== undefined && (axis < -rank - 1 || axis > rank)) throw ctx.error(`axis ${axis} is out of range for a rank-${rank} input`);
  const at = rank !== undefined && axis < 0 ? axis + rank + 1 : axis;
  ctx.addLayer('unsqueeze', { axes: [at] }, [ctx.input(0)], [out(ctx)]);
}

function convertStack(ctx: ConversionContext): void {
  const axis = ctx.attrs.int('axis', 0);
  const rank = uffRank(ctx, 0);
  if (rank !== undefined && (axis < -rank - 1 || axis > rank)) throw ctx.error(`axis ${axis} is out of range for rank-${rank} inputs`);
  const at = rank !== undefined && axis < 0 ? axis + rank + 1 : axis;
  const dtype = dtypeOf(ctx);
  const parts = ctx.node.inputs.map((_, i) => ctx.addLayer('unsqueeze', { axes: [at] }, [ctx.input(i)], [{ dtype }])[0]!);
  ctx.addLayer('concatenation', { axis: at }, parts, [out(ctx)]);
}

function convertConcat(ctx: ConversionContext): void {
  const axis = storedAxis(ctx, requiredInt(ctx, 'axis'));
  ctx.addLayer(
    'concatenation',
    { axis },
    ctx.node.inputs.map((_, i) => ctx.input(i)),
    [out(ctx)],
  );
}

function convertShape(ctx: ConversionContext): void {
  const shape = ctx.addLayer('shape', {}, [ctx.input(0)], [{ dtype: 'int64' }])[0]!;
  ctx.addLayer('cast', { to: 'int32' }, [shape], [{ name: ctx.output(0), dtype: 'int32' }]);
}

function convertGather(ctx: ConversionContext, axis: number): void {
  ctx.addLayer('gather', { mode: 'default', axis, batchDims: 0 }, [ctx.input(0), ctx.input(1)], [out(ctx)]);
}

/** Runs the TensorFlow converter of the op of the same name and inputs. */
function viaTensorFlow(op: string): (ctx: ConversionContext) => void {
  const converter = tfConverters.find((c) => c.op === op);
  if (!converter) throw new Error(`the TensorFlow converter set has no '${op}'`);
  return converter.convert;
}

export const uffShapeConverters: Converter[] = [
  { domain: 'uff', op: 'Identity', convert: (ctx) => ctx.alias(0, ctx.input(0)) },
  { domain: 'uff', op: 'Reshape', convert: convertReshape, restrictions: 'constant shape' },
  {
    domain: 'uff',
    op: 'Flatten',
    convert: (ctx) => void ctx.addLayer('shuffle', { reshape: [0, -1] }, [ctx.input(0)], [out(ctx)]),
    restrictions: 'flattens in the stored order',
  },
  { domain: 'uff', op: 'Transpose', convert: convertTranspose },
  { domain: 'uff', op: 'Squeeze', convert: convertSqueeze },
  { domain: 'uff', op: 'ExpandDims', convert: convertExpandDims },
  { domain: 'uff', op: 'Stack', convert: convertStack },
  { domain: 'uff', op: 'Concat', convert: convertConcat },
  { domain: 'uff', op: 'StridedSlice', convert: viaTensorFlow('StridedSlice'), restrictions: 'constant begin, end and strides' },
  { domain: 'uff', op: 'Pad', convert: viaTensorFlow('Pad'), restrictions: 'constant paddings' },
  { domain: 'uff', op: 'Shape', convert: convertShape },
  { domain: 'uff', op: 'Gather', convert: (ctx) => convertGather(ctx, 0) },
  { domain: 'uff', op: 'GatherV2', convert: (ctx) => convertGather(ctx, storedAxis(ctx, ctx.attrs.int('axis', 0))) },
];
