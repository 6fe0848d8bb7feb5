/** Cast (target from the `to` attribute) and CastLike (target = dtype of input 1). */
import type { DType } from '@kiln-inference/core';
import { type ConversionContext, type Converter, SUPPORTED, unsupported, type ValidationContext } from '../converter.js';
import { dtypeAttr, onnxConverter, requireDType } from './math/common.js';

function addCast(ctx: ConversionContext, to: DType): void {
  const params: { to: DType; saturate?: boolean } = { to };
  if (ctx.attrs.has('saturate')) params.saturate = ctx.attrs.int('saturate', 1) !== 0;
  ctx.addLayer('cast', params, [ctx.input(0)], [{ name: ctx.output(0), dtype: to, shape: ctx.inputShape(0) ?? null }]);
}

function validateCast(ctx: ValidationContext) {
  if (ctx.node.op === 'Cast') {
    const to = dtypeAttr(ctx, 'to');
    if (to === undefined) return unsupported('unsupported-attribute', "Cast needs a 'to' attribute");
    if (to === 'invalid') return unsupported('unsupported-dtype', `Cast 'to' names a type kiln cannot represent (complex or float8e8m0)`);
  }
  return SUPPORTED;
}

function castTarget(ctx: ConversionContext): DType {
  const to = dtypeAttr(ctx, 'to');
  if (to === undefined || to === 'invalid') throw ctx.error("Cast 'to' attribute is missing or names an unsupported type");
  return to;
}

const castConverter = onnxConverter('Cast', (ctx) => addCast(ctx, castTarget(ctx)), {
  validate: validateCast,
  restrictions: 'complex and float8e8m0 targets have no kiln dtype',
});

const castLikeConverter = onnxConverter('CastLike', (ctx) => addCast(ctx, requireDType(ctx, 1)), { validate: validateCast });

export const castConverters: readonly Converter[] = [castConverter, castLikeConverter];
