/**
 * TF.js's "evaluation" and "dynamic" set ops: Unique / UniqueV2 (first-occurrence order, on
 * kiln's Unique plugin, whose inverse indices are TF's idx), ListDiff (setdiff1d) and
 * LowerBound / UpperBound (per-row binary search), the last two as kiln plugins.
 */
import type { ConversionContext, Converter } from '../converter.js';
import { constNumbers, out, tfConverter, tfPlugin } from './helpers.js';
import { indicesAs } from './reduce.js';

function convertUnique(ctx: ConversionContext, withAxis: boolean): void {
  let axis: number | null = null;
  if (withAxis) {
    const axes = constNumbers(ctx, 1, 'axis');
    if (axes.length > 1) throw ctx.error(`UniqueV2 takes one axis, got [${axes.join(',')}]`);
    axis = axes.length === 1 ? axes[0]! : null;
  }
  const dtype = ctx.inputDType(0) ?? ctx.attrs.type('T') ?? 'float32';
  const outputs = [out(ctx, dtype), { dtype: 'int64' as const }, { dtype: 'int64' as const }, { dtype: 'int64' as const }];
  const [, , inverse] = tfPlugin(ctx, 'Unique', { sorted: false, axis }, [ctx.input(0)], outputs);
  if (ctx.output(1)) indicesAs(ctx, inverse!, ctx.attrs.type('out_idx') ?? 'int32', 1);
}

function convertBound(ctx: ConversionContext, side: 'left' | 'right'): void {
  const outType = ctx.attrs.type('out_type') ?? 'int32';
  tfPlugin(ctx, 'SearchSorted', { side, outType }, [ctx.input(0), ctx.input(1)], [out(ctx, outType)]);
}

export const tfSetConverters: Converter[] = [
  tfConverter('Unique', (ctx) => convertUnique(ctx, false)),
  tfConverter('UniqueV2', (ctx) => convertUnique(ctx, true)),
  tfConverter('ListDiff', (ctx) => {
    const dtype = ctx.inputDType(0) ?? ctx.attrs.type('T') ?? 'float32';
    const outIdx = ctx.attrs.type('out_idx') ?? 'int32';
    tfPlugin(ctx, 'ListDiff', { outIdx }, [ctx.input(0), ctx.input(1)], [out(ctx, dtype), out(ctx, outIdx, 1)]);
  }),
  tfConverter('LowerBound', (ctx) => convertBound(ctx, 'left')),
  tfConverter('UpperBound', (ctx) => convertBound(ctx, 'right')),
];
