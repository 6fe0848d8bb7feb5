/**
 * SpaceToBatchND / BatchToSpaceND, which TF1 wraps around a convolution to make it atrous
 * (dilated). For M spatial dims after the batch and one trailing dim:
 *   SpaceToBatchND: pad → reshape [N, S1/b1, b1, …, C] → move the block dims to the front →
 *                   reshape [b1·…·bM·N, S1/b1, …, C];
 *   BatchToSpaceND: reshape [b1, …, bM, B/∏b, S1, …, C] → interleave blocks with space →
 *                   reshape [B/∏b, S1·b1, …, C] → crop.
 * Block shapes, paddings and crops must be constant; sizes are computed from the input shape
 * at run time, so batch and spatial dims may be dynamic.
 */
import type { DType } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { constNumbers, inputDType, int64Const, out, tfConverter } from './helpers.js';

const BIG = 2147483647;

/** One dim of a run-time shape: input dim `dim` scaled by mul/div, or a fixed value. */
type DimExpr = { dim: number; mul?: number; div?: number } | { value: number };

function shapeTensor(ctx: ConversionContext, x: string, exprs: DimExpr[]): string {
  const shape = ctx.addLayer('shape', {}, [x], [{ dtype: 'int64' }])[0]!;
  const parts = exprs.map((e) => {
    if ('value' in e) return int64Const(ctx, [e.value], 'dim');
    let d = ctx.addLayer(
      'slice',
      {},
      [shape, int64Const(ctx, [e.dim], 'start'), int64Const(ctx, [e.dim + 1], 'end')],
      [{ dtype: 'int64' }],
    )[0]!;
    if (e.mul !== undefined) d = ctx.addLayer('elementwise', { op: 'mul' }, [d, int64Const(ctx, [e.mul], 'mul')], [{ dtype: 'int64' }])[0]!;
    if (e.div !== undefined) d = ctx.addLayer('elementwise', { op: 'div' }, [d, int64Const(ctx, [e.div], 'div')], [{ dtype: 'int64' }])[0]!;
    return d;
  });
  return ctx.addLayer('concatenation', { axis: 0 }, parts, [{ dtype: 'int64' }])[0]!;
}

function reshape(ctx: ConversionContext, x: string, dims: string, dtype: DType): string {
  return ctx.addLayer('shuffle', { allowZero: true }, [x, dims], [{ dtype }])[0]!;
}

function blockAndPairs(ctx: ConversionContext, what: string): { block: number[]; pairs: number[] } {
  const block = constNumbers(ctx, 1, 'block_shape');
  const pairs = constNumbers(ctx, 2, what);
  if (block.some((b) => !Number.isInteger(b) || b < 1) || pairs.length !== 2 * block.length || pairs.some((p) => p < 0)) {
    throw ctx.error(
      `block_shape [${block.join(',')}] and ${what} [${pairs.join(',')}] do not fit together`,
      `${what} needs two non-negative values per block dim`,
    );
  }
  return { block, pairs };
}

function convertSpaceToBatch(ctx: ConversionContext): void {
  const dtype = inputDType(ctx);
  const { block, pairs } = blockAndPairs(ctx, 'paddings');
  const m = block.length;
  const rank = m + 2;
  const begins = [0, ...block.map((_, i) => pairs[2 * i]!), 0];
  const ends = [0, ...block.map((_, i) => pairs[2 * i + 1]!), 0];
  const padded = ctx.addLayer(
    'padding',
    { mode: 'constant' },
    [ctx.input(0), int64Const(ctx, [...begins, ...ends], 'pads')],
    [{ dtype }],
  )[0]!;
  const split = shapeTensor(ctx, padded, [
    { dim: 0 },
    ...block.flatMap((b, i) => [{ dim: i + 1, div: b }, { value: b }]),
    { dim: rank - 1 },
  ]);
  const blocked = reshape(ctx, padded, split, dtype);
  // [N, S1/b1, b1, …, C] → [b1, …, bM, N, S1/b1, …, C]
  const perm = [...block.map((_, i) => 2 + 2 * i), 0, ...block.map((_, i) => 1 + 2 * i), 2 * m + 1];
  const moved = ctx.addLayer('shuffle', { firstTranspose: perm }, [blocked], [{ dtype }])[0]!;
  const merged = shapeTensor(ctx, padded, [
    { dim: 0, mul: block.reduce((p, b) => p * b, 1) },
    ...block.map((b, i) => ({ dim: i + 1, div: b })),
    { dim: rank - 1 },
  ]);
  ctx.addLayer('shuffle', { allowZero: true }, [moved, merged], [out(ctx, dtype)]);
}

function convertBatchToSpace(ctx: ConversionContext): void {
  const dtype = inputDType(ctx);
  const { block, pairs } = blockAndPairs(ctx, 'crops');
  const m = block.length;
  const prod = block.reduce((p, b) => p * b, 1);
  const x = ctx.input(0);
  const split = shapeTensor(ctx, x, [
    ...block.map((b) => ({ value: b })),
    { dim: 0, div: prod },
    ...block.map((_, i) => ({ dim: i + 1 })),
    { dim: m + 1 },
  ]);
  const blocked = reshape(ctx, x, split, dtype);
  // [b1, …, bM, N, S1, …, SM, C] → [N, S1, b1, …, SM, bM, C]
  const perm = [m, ...block.flatMap((_, i) => [m + 1 + i, i]), 2 * m + 1];
  const moved = ctx.addLayer('shuffle', { firstTranspose: perm }, [blocked], [{ dtype }])[0]!;
  const merged = reshape(
    ctx,
    moved,
    shapeTensor(ctx, x, [{ dim: 0, div: prod }, ...block.map((b, i) => ({ dim: i + 1, mul: b })), { dim: m + 1 }]),
    dtype,
  );
  const axes = block.map((_, i) => i + 1);
  const starts = int64Const(
    ctx,
    axes.map((_, i) => pairs[2 * i]!),
    'crop_begin',
  );
  const ends = int64Const(
    ctx,
    axes.map((_, i) => (pairs[2 * i + 1]! > 0 ? -pairs[2 * i + 1]! : BIG)),
    'crop_end',
  );
  ctx.addLayer('slice', {}, [merged, starts, ends, int64Const(ctx, axes, 'axes')], [out(ctx, dtype)]);
}

export const tfSpaceBatchConverters: Converter[] = [
  tfConverter('SpaceToBatchND', convertSpaceToBatch),
  tfConverter('BatchToSpaceND', convertBatchToSpace),
];
