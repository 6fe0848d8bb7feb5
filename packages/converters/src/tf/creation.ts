/**
 * Tensor creation from TF.js's list: Ones / Zeros (a shape input and a dtype attribute) and
 * LinSpace (num evenly spaced values from start to stop, start alone when num is 1), the
 * latter as range · step + start with step = (stop − start) / max(num − 1, 1).
 */
import type { ConversionContext, Converter } from '../converter.js';
import { binary } from './elementwise.js';
import { inputDType, out, scalarConst, tfConverter } from './helpers.js';

function filled(ctx: ConversionContext, value: number): void {
  const dtype = ctx.attrs.type('dtype') ?? ctx.attrs.type('T') ?? 'float32';
  ctx.addLayer('fill', { mode: 'constant_of_shape', dtype, value }, [ctx.input(0)], [out(ctx, dtype)]);
}

function convertLinSpace(ctx: ConversionContext): void {
  const t = inputDType(ctx);
  const num = ctx.addLayer('cast', { to: t }, [ctx.input(2)], [{ dtype: t }])[0]!;
  const one = scalarConst(ctx, t, 1, 'one');
  const positions = ctx.addLayer('fill', { mode: 'range', dtype: t }, [scalarConst(ctx, t, 0, 'zero'), num, one], [{ dtype: t }])[0]!;
  const intervals = binary(ctx, 'max', binary(ctx, 'sub', num, one, t, false), one, t, false);
  const step = binary(ctx, 'div', binary(ctx, 'sub', ctx.input(1), ctx.input(0), t, false), intervals, t, false);
  binary(ctx, 'add', binary(ctx, 'mul', positions, step, t, false), ctx.input(0), t, true);
}

export const tfCreationConverters: Converter[] = [
  tfConverter('Ones', (ctx) => filled(ctx, 1)),
  tfConverter('Zeros', (ctx) => filled(ctx, 0)),
  tfConverter('LinSpace', convertLinSpace),
];
