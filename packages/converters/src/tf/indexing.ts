/** OneHot, Where (coordinates of true elements), Reverse/ReverseV2, Cumsum, Einsum and MatrixBandPart. */

import { Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { constNumbers, inputDType, int64Const, out, runChain, type Step, tfConverter } from './helpers.js';

const BIG = 2147483647;

function convertOneHot(ctx: ConversionContext): void {
  const dtype = inputDType(ctx, 2);
  // kiln's one_hot takes [off, on] as one tensor.
  const off = ctx.addLayer('unsqueeze', { axes: [0] }, [ctx.input(3)], [{ dtype }])[0]!;
  const on = ctx.addLayer('unsqueeze', { axes: [0] }, [ctx.input(2)], [{ dtype }])[0]!;
  const values = ctx.addLayer('concatenation', { axis: 0 }, [off, on], [{ dtype }])[0]!;
  ctx.addLayer('one_hot', { axis: ctx.attrs.int('axis', -1) }, [ctx.input(0), ctx.input(1), values], [out(ctx, dtype)]);
}

function convertWhere(ctx: ConversionContext): void {
  // non_zero gives [rank, count]; TF's Where gives [count, rank].
  const nz = ctx.addLayer('non_zero', {}, [ctx.input(0)], [{ dtype: 'int64' }])[0]!;
  ctx.addLayer('shuffle', { firstTranspose: [1, 0] }, [nz], [out(ctx, 'int64')]);
}

function convertReverse(ctx: ConversionContext, axes: number[]): void {
  if (axes.length === 0) {
    ctx.alias(0, ctx.input(0));
    return;
  }
  const starts = int64Const(
    ctx,
    axes.map(() => -1),
    'starts',
  );
  const ends = int64Const(
    ctx,
    axes.map(() => -BIG),
    'ends',
  );
  const steps = int64Const(
    ctx,
    axes.map(() => -1),
    'steps',
  );
  ctx.addLayer('slice', {}, [ctx.input(0), starts, ends, int64Const(ctx, axes, 'axes'), steps], [out(ctx, inputDType(ctx))]);
}

function convertCumsum(ctx: ConversionContext, op: 'sum' | 'prod'): void {
  const params = { op, exclusive: ctx.attrs.bool('exclusive', false), reverse: ctx.attrs.bool('reverse', false) };
  ctx.addLayer('cumulative', params, [ctx.input(0), ctx.input(1)], [out(ctx, inputDType(ctx))]);
}

function convertEinsum(ctx: ConversionContext): void {
  const equation = ctx.attrs.string('equation');
  if (!equation) throw ctx.error("Einsum has no 'equation'");
  ctx.addLayer(
    'einsum',
    { equation },
    ctx.node.inputs.map((_, i) => ctx.input(i)),
    [out(ctx, inputDType(ctx))],
  );
}

/**
 * MatrixBandPart keeps −num_lower ≤ j − i ≤ num_upper (a negative bound keeps that whole
 * side): an upper triangle from −num_lower, then a lower one up to num_upper.
 */
function convertBandPart(ctx: ConversionContext): void {
  const [lower] = constNumbers(ctx, 1, 'num_lower');
  const [upper] = constNumbers(ctx, 2, 'num_upper');
  const dtype = inputDType(ctx);
  const steps: Step[] = [];
  if (lower! >= 0) steps.push((x, spec) => ctx.addLayer('trilu', { upper: true }, [x, int64Scalar(ctx, -lower!)], [spec])[0]!);
  if (upper! >= 0) steps.push((x, spec) => ctx.addLayer('trilu', { upper: false }, [x, int64Scalar(ctx, upper!)], [spec])[0]!);
  runChain(ctx, ctx.input(0), steps, dtype);
}

function int64Scalar(ctx: ConversionContext, value: number): string {
  return ctx.constant(Tensor.fromValues('int64', [], [value]), `${ctx.node.name}/k`);
}

export const tfIndexingConverters: Converter[] = [
  tfConverter('MatrixBandPart', convertBandPart),
  tfConverter('OneHot', convertOneHot),
  tfConverter('Where', convertWhere),
  tfConverter('ReverseV2', (ctx) => convertReverse(ctx, constNumbers(ctx, 1, 'axis'))),
  // The original Reverse flags each dimension with a bool.
  tfConverter('Reverse', (ctx) =>
    convertReverse(
      ctx,
      constNumbers(ctx, 1, 'dims').flatMap((flag, axis) => (flag ? [axis] : [])),
    ),
  ),
  tfConverter('Cumsum', (ctx) => convertCumsum(ctx, 'sum')),
  tfConverter('Cumprod', (ctx) => convertCumsum(ctx, 'prod')),
  tfConverter('Einsum', convertEinsum),
];
