/**
 * TF Dilation2D (grayscale morphological dilation, NHWC): no layer kind takes a max of
 * sums, so it runs as kiln's Dilation2D plugin with the spatial strides and rates.
 */
import type { Converter } from '../converter.js';
import { inputDType, out, spatialPair, tfConverter, tfPlugin } from './helpers.js';

export const tfDilation2DConverters: Converter[] = [
  tfConverter('Dilation2D', (ctx) => {
    const padding = ctx.attrs.string('padding', 'VALID');
    if (padding !== 'SAME' && padding !== 'VALID') throw ctx.error(`padding '${padding}' is not SAME or VALID`);
    const fields = { strides: spatialPair(ctx, 'strides', 'NHWC', 1), rates: spatialPair(ctx, 'rates', 'NHWC', 1), padding };
    tfPlugin(ctx, 'Dilation2D', fields, [ctx.input(0), ctx.input(1)], [out(ctx, inputDType(ctx))]);
  }),
];
