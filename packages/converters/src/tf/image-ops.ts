/**
 * TF image ops that sample at computed coordinates: CropAndResize (boxes cut from a batch of
 * NHWC images) and ImageProjectiveTransformV3 (per-image projective warps), both as kiln
 * plugins carrying TF's sampling and fill rules.
 */
import type { Converter } from '../converter.js';
import { inputDType, out, tfConverter, tfPlugin } from './helpers.js';

export const tfImageConverters: Converter[] = [
  tfConverter('CropAndResize', (ctx) => {
    const method = ctx.attrs.string('method', 'bilinear');
    if (method !== 'bilinear' && method !== 'nearest') throw ctx.error(`method '${method}' is not bilinear or nearest`);
    const fields = { method, extrapolationValue: ctx.attrs.float('extrapolation_value', 0) };
    const inputs = [0, 1, 2, 3].map((i) => ctx.input(i));
    tfPlugin(ctx, 'CropAndResize', fields, inputs, [out(ctx, 'float32')]);
  }),
  tfConverter('ImageProjectiveTransformV3', (ctx) => {
    const fields = {
      interpolation: ctx.attrs.string('interpolation', 'NEAREST'),
      fillMode: ctx.attrs.string('fill_mode', 'CONSTANT'),
    };
    const inputs = [0, 1, 2, 3].map((i) => (ctx.hasInput(i) ? ctx.input(i) : ''));
    tfPlugin(ctx, 'ImageProjectiveTransform', fields, inputs, [out(ctx, ctx.attrs.type('dtype') ?? inputDType(ctx))]);
  }),
];
