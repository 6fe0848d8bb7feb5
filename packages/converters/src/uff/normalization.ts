/**
 * UFF BatchNorm and LRN, over the channel dim their declared order names (`inputs_orders`).
 * BatchNorm folds its constant statistics into one scale and one shift broadcast along that
 * dim; LRN moves the channels to dim 1 for kiln's lrn layer and back. The TensorFlow converter
 * wrote LRN's order as NC+ whatever the data was, and TensorRT read it so; Kiln does the same.
 */
import { type DType, Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { expandOrder, orderOf } from './dim-orders.js';
import { uffRank } from './ranks.js';

/** Stored position of C for input 0 and the input's rank. */
function channelDim(ctx: ConversionContext): { c: number; rank: number } {
  const rank = uffRank(ctx, 0);
  if (rank === undefined)
    throw ctx.error(`${ctx.node.op} needs the input rank, which is unknown`, 'register the graph inputs with full shapes');
  const order = orderOf(ctx, 'inputs_orders', 0) ?? [0, 1, 2, 2147483647];
  const roles = expandOrder(order, rank);
  const c = roles?.indexOf(1) ?? -1;
  if (c < 0)
    throw ctx.error(`the declared order [${order.join(',')}] names no channel dim for a rank-${rank} input`, 'the UFF file is malformed');
  return { c, rank };
}

function constantVector(ctx: ConversionContext, i: number, what: string, length?: number): Float64Array {
  const t = ctx.constantInput(i);
  if (!t) throw ctx.error(`BatchNorm ${what} (input ${i}) must be a constant`, 'freeze the graph before converting it to UFF');
  const v = t.toFloat64();
  if (length !== undefined && v.length !== length) throw ctx.error(`BatchNorm ${what} holds ${v.length} values, expected ${length}`);
  return v;
}

function convertBatchNorm(ctx: ConversionContext): void {
  const { c, rank } = channelDim(ctx);
  const gamma = constantVector(ctx, 1, 'gamma');
  const n = gamma.length;
  const [beta, mean, variance] = [2, 3, 4].map((i, k) => constantVector(ctx, i, ['beta', 'mean', 'variance'][k]!, n));
  const epsilon = ctx.attrs.float('epsilon', 1e-3);
  const scale = gamma.map((g, k) => g / Math.sqrt(variance![k]! + epsilon));
  const shift = beta!.map((b, k) => b - mean![k]! * scale[k]!);
  const dtype: DType = ctx.inputDType(0) === 'float16' ? 'float16' : 'float32';
  const shape = Array.from({ length: rank }, (_, d) => (d === c ? n : 1));
  const s = ctx.constant(Tensor.fromValues(dtype, shape, Array.from(scale)), `${ctx.node.name}/scale`);
  const b = ctx.constant(Tensor.fromValues(dtype, shape, Array.from(shift)), `${ctx.node.name}/shift`);
  const scaled = ctx.addLayer('elementwise', { op: 'mul' }, [ctx.input(0), s], [{ dtype }])[0]!;
  ctx.addLayer('elementwise', { op: 'add' }, [scaled, b], [{ name: ctx.output(0), dtype }]);
}

/** TensorFlow's LRN: `window_size` is the depth radius and alpha scales the plain sum. */
function convertLrn(ctx: ConversionContext): void {
  const { c, rank } = channelDim(ctx);
  const size = 2 * ctx.attrs.int('window_size', 5) + 1;
  const params = { size, alpha: ctx.attrs.float('alpha', 1) * size, beta: ctx.attrs.float('beta', 0.5), bias: ctx.attrs.float('k', 1) };
  const dtype: DType = ctx.inputDType(0) === 'float16' ? 'float16' : 'float32';
  if (c === 1) {
    ctx.addLayer('lrn', params, [ctx.input(0)], [{ name: ctx.output(0), dtype }]);
    return;
  }
  const rest = Array.from({ length: rank }, (_, d) => d).filter((d) => d !== 0 && d !== c);
  const toFirst = [0, c, ...rest];
  const back = toFirst.map((_, d) => toFirst.indexOf(d));
  const x = ctx.addLayer('shuffle', { firstTranspose: toFirst }, [ctx.input(0)], [{ dtype }])[0]!;
  const y = ctx.addLayer('lrn', params, [x], [{ dtype }])[0]!;
  ctx.addLayer('shuffle', { firstTranspose: back }, [y], [{ name: ctx.output(0), dtype }]);
}

export const uffNormalizationConverters: Converter[] = [
  { domain: 'uff', op: 'BatchNorm', convert: convertBatchNorm, restrictions: 'constant gamma, beta, mean and variance' },
  { domain: 'uff', op: 'LRN', convert: convertLrn, restrictions: 'across the declared channel dim' },
];
