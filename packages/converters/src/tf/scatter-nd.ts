/**
 * TF scatters onto a dense tensor, as kiln's nd scatter: ScatterNd (onto zeros of a shape,
 * duplicate indices summed as TF does), TensorScatterUpdate (onto a tensor, replacing) and
 * SparseToDense (values, or one broadcast value, onto default_value everywhere else).
 */
import type { ConversionContext, Converter } from '../converter.js';
import { inputDType, out, tfConverter } from './helpers.js';

function scatterNd(ctx: ConversionContext, data: string, indices: string, updates: string, reduction: 'none' | 'add'): void {
  const t = inputDType(ctx, indices === ctx.input(0) ? 1 : 2);
  ctx.addLayer('scatter', { mode: 'nd', axis: 0, reduction }, [data, indices, updates], [out(ctx, t)]);
}

function convertSparseToDense(ctx: ConversionContext): void {
  const t = inputDType(ctx, 2);
  const idxType = ctx.inputDType(0) ?? 'int32';
  const dense = ctx.addLayer('expand', {}, [ctx.input(3), ctx.input(1)], [{ dtype: t }])[0]!;
  // Indices of rank ≤ 1 address a 1-D output: make them [N, 1].
  const rank = ctx.inputShape(0)?.length;
  const indices =
    rank !== undefined && rank <= 1
      ? ctx.addLayer('shuffle', { reshape: [-1, 1] }, [ctx.input(0)], [{ dtype: idxType }])[0]!
      : ctx.input(0);
  const count = ctx.addLayer('shape', { start: 0, end: 1 }, [indices], [{ dtype: 'int64' }])[0]!;
  const values = ctx.addLayer('expand', {}, [ctx.input(2), count], [{ dtype: t }])[0]!;
  ctx.addLayer('scatter', { mode: 'nd', axis: 0, reduction: 'none' }, [dense, indices, values], [out(ctx, t)]);
}

export const tfScatterNdConverters: Converter[] = [
  tfConverter('ScatterNd', (ctx) => {
    const t = inputDType(ctx, 1);
    const zeros = ctx.addLayer('fill', { mode: 'constant_of_shape', dtype: t, value: 0 }, [ctx.input(2)], [{ dtype: t }])[0]!;
    scatterNd(ctx, zeros, ctx.input(0), ctx.input(1), 'add');
  }),
  tfConverter('TensorScatterUpdate', (ctx) => scatterNd(ctx, ctx.input(0), ctx.input(1), ctx.input(2), 'none')),
  tfConverter('SparseToDense', convertSparseToDense, (ctx) => {
    const rank = ctx.inputShape(0)?.length;
    if (rank === undefined) return { supported: false, category: 'dynamic-shape', reason: 'sparse_indices needs a known rank' };
    return { supported: true };
  }),
];
