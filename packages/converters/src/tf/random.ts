/**
 * RandomUniform [0, 1), RandomStandardNormal and RandomUniformInt (⌊u · (max − min)⌋ + min
 * from a float64 uniform fill); TruncatedNormal and Multinomial run as kiln plugins. A constant shape becomes the fill's own
 * shape; a computed one (dropout masks shaped like their input) first builds a zero template
 * of that shape, which the random fill copies the shape of.
 */
import type { DType } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { binary, unary } from './elementwise.js';
import { constNumbers, out, tfConverter, tfPlugin } from './helpers.js';

function seedOf(ctx: ConversionContext): number {
  return ctx.attrs.int('seed', 0) || ctx.attrs.int('seed2', 0);
}

function convertRandom(ctx: ConversionContext, mode: 'random_uniform' | 'random_normal', bind = true, as?: DType): string {
  const dtype = as ?? ctx.attrs.type('dtype') ?? 'float32';
  const spec = bind ? out(ctx, dtype) : { dtype };
  const seed = seedOf(ctx);
  const params = { mode, dtype, ...(mode === 'random_uniform' ? { low: 0, high: 1 } : { mean: 0, scale: 1 }), ...(seed ? { seed } : {}) };
  if (ctx.constantInput(0)) return ctx.addLayer('fill', { ...params, shape: constNumbers(ctx, 0, 'shape') }, [], [spec])[0]!;
  const template = ctx.addLayer('fill', { mode: 'constant_of_shape', dtype, value: 0 }, [ctx.input(0)], [{ dtype }])[0]!;
  return ctx.addLayer('fill', params, [template], [spec])[0]!;
}

function convertUniformInt(ctx: ConversionContext): void {
  const t = ctx.attrs.type('Tout') ?? ctx.inputDType(1) ?? 'int32';
  const u = convertRandom(ctx, 'random_uniform', false, 'float64');
  const [lo, hi] = [1, 2].map((i) => ctx.addLayer('cast', { to: 'float64' }, [ctx.input(i)], [{ dtype: 'float64' }])[0]!) as [
    string,
    string,
  ];
  const offset = unary(
    ctx,
    'floor',
    binary(ctx, 'mul', u, binary(ctx, 'sub', hi, lo, 'float64', false), 'float64', false),
    'float64',
    false,
  );
  ctx.addLayer('cast', { to: t }, [binary(ctx, 'add', offset, lo, 'float64', false)], [out(ctx, t)]);
}

export const tfRandomConverters: Converter[] = [
  tfConverter('RandomUniform', (ctx) => {
    convertRandom(ctx, 'random_uniform');
  }),
  tfConverter('RandomStandardNormal', (ctx) => {
    convertRandom(ctx, 'random_normal');
  }),
  tfConverter('RandomUniformInt', convertUniformInt),
  tfConverter('TruncatedNormal', (ctx) => {
    const dtype = ctx.attrs.type('dtype') ?? 'float32';
    tfPlugin(ctx, 'TruncatedNormal', { dtype, seed: seedOf(ctx) }, [ctx.input(0)], [out(ctx, dtype)]);
  }),
  tfConverter('Multinomial', (ctx) => {
    const outType = ctx.attrs.type('output_dtype') ?? 'int64';
    tfPlugin(ctx, 'Multinomial', { outType, seed: seedOf(ctx) }, [ctx.input(0), ctx.input(1)], [out(ctx, outType)]);
  }),
];
