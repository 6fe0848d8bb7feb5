/**
 * TF sparse and counting ops that fit no layer kind, as kiln plugins: SparseSegmentSum /
 * SparseSegmentMean, SparseReshape, SparseFillEmptyRows, Bincount / DenseBincount and
 * BroadcastArgs.
 */
import type { ConversionContext, Converter } from '../converter.js';
import { inputDType, out, tfConverter, tfPlugin } from './helpers.js';

const inputsOf = (ctx: ConversionContext, n: number): string[] =>
  Array.from({ length: n }, (_, i) => (ctx.hasInput(i) ? ctx.input(i) : ''));

function convertBincount(ctx: ConversionContext): void {
  const outType = ctx.attrs.type('T') ?? inputDType(ctx, 2);
  const fields = { binaryOutput: ctx.attrs.bool('binary_output', false), outType };
  tfPlugin(ctx, 'Bincount', fields, inputsOf(ctx, 3), [out(ctx, outType)]);
}

export const tfSparseConverters: Converter[] = [
  tfConverter('SparseSegmentSum', (ctx) => {
    tfPlugin(ctx, 'SparseSegmentReduce', { mode: 'sum' }, inputsOf(ctx, 3), [out(ctx, inputDType(ctx))]);
  }),
  tfConverter('SparseSegmentMean', (ctx) => {
    tfPlugin(ctx, 'SparseSegmentReduce', { mode: 'mean' }, inputsOf(ctx, 3), [out(ctx, inputDType(ctx))]);
  }),
  tfConverter('SparseReshape', (ctx) => {
    tfPlugin(ctx, 'SparseReshape', {}, inputsOf(ctx, 3), [out(ctx, 'int64'), out(ctx, 'int64', 1)]);
  }),
  tfConverter('SparseFillEmptyRows', (ctx) => {
    const t = ctx.inputDType(1) ?? ctx.attrs.type('T') ?? 'float32';
    const outputs = [out(ctx, 'int64'), out(ctx, t, 1), out(ctx, 'bool', 2), out(ctx, 'int64', 3)];
    tfPlugin(ctx, 'SparseFillEmptyRows', {}, inputsOf(ctx, 4), outputs);
  }),
  tfConverter('Bincount', convertBincount),
  tfConverter('DenseBincount', convertBincount),
  tfConverter('BroadcastArgs', (ctx) => {
    tfPlugin(ctx, 'BroadcastArgs', {}, inputsOf(ctx, 2), [out(ctx, inputDType(ctx))]);
  }),
];
