/**
 * ONNX Shape, Size, Identity, Dropout (inference) and the Optional ops on plain tensors.
 */
import { Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter, Support, ValidationContext } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';
import { dtypeOf, out, rankOf } from './helpers.js';

const shape: Converter = {
  domain: 'ai.onnx',
  op: 'Shape',
  restrictions: 'start/end (opset 15) are clamped as the spec says',
  convert(ctx) {
    const rank = rankOf(ctx, 0);
    const start = ctx.attrs.int('start');
    const end = ctx.attrs.int('end');
    let length: number | undefined;
    if (rank !== undefined) {
      const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      length = Math.max(0, clamp(end ?? rank) - clamp(start ?? 0));
    }
    const params = { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };
    ctx.addLayer('shape', params, [ctx.input(0)], [out(ctx, 0, 'int64', length !== undefined ? [length] : null)]);
  },
};

const size: Converter = {
  domain: 'ai.onnx',
  op: 'Size',
  convert(ctx) {
    ctx.addLayer('size', {}, [ctx.input(0)], [out(ctx, 0, 'int64', [])]);
  },
};

/** Identity-like ops bind their output to their input through an identity layer. */
function passThrough(ctx: ConversionContext): void {
  ctx.addLayer('identity', {}, [ctx.input(0)], [out(ctx, 0, dtypeOf(ctx, 0), ctx.inputShape(0) ?? null)]);
}

const identity: Converter = { domain: 'ai.onnx', op: 'Identity', convert: passThrough };

/** Dropout runs in inference mode; a constant training_mode=true with a non-zero ratio is random, so it is refused. */
function validateDropout(ctx: ValidationContext): Support {
  if (ctx.opset < 12 || !ctx.hasInput(2)) return SUPPORTED;
  const training = ctx.constantInput(2);
  if (!training) return unsupported('other', 'training_mode is a dynamic input; kiln runs Dropout in inference mode only');
  if (training.size > 0 && training.getNumber(0) !== 0) {
    const ratio = ctx.hasInput(1) ? ctx.constantInput(1) : undefined;
    const zero = ratio !== undefined && ratio.size > 0 && ratio.getNumber(0) === 0;
    if (!zero) return unsupported('other', 'training_mode=true makes Dropout random; kiln runs it in inference mode only');
  }
  return SUPPORTED;
}

const dropout: Converter = {
  domain: 'ai.onnx',
  op: 'Dropout',
  restrictions: 'inference mode: output = input, mask = all true',
  validate: validateDropout,
  convert(ctx) {
    passThrough(ctx);
    if (!ctx.output(1)) return;
    // Opsets before 10 type the mask like the input; later ones make it bool.
    const maskType = ctx.opset < 10 ? dtypeOf(ctx, 0) : 'bool';
    const known = ctx.inputShape(0);
    if (known?.every((d): d is number => typeof d === 'number')) {
      // A static shape makes the mask a fill the builder folds into a constant: no shape op at run time.
      const dims = ctx.constant(Tensor.fromValues('int64', [known.length], known.map(BigInt)), `${ctx.node.name || 'Dropout'}/mask_shape`);
      ctx.addLayer('fill', { mode: 'constant_of_shape', dtype: maskType, value: 1 }, [dims], [out(ctx, 1, maskType, known)]);
      return;
    }
    const shapeOf = ctx.addLayer('shape', {}, [ctx.input(0)], [{ dtype: 'int64' }])[0]!;
    const one = ctx.constant(Tensor.scalar(maskType, 1), `${ctx.node.name || 'Dropout'}/keep`);
    ctx.addLayer('expand', {}, [one, shapeOf], [out(ctx, 1, maskType, ctx.inputShape(0) ?? null)]);
  },
};

const optionalHasElement: Converter = {
  domain: 'ai.onnx',
  op: 'OptionalHasElement',
  restrictions: 'tensor inputs only (kiln networks carry no optional values)',
  convert(ctx) {
    const present = ctx.hasInput(0);
    ctx.addLayer('constant', { value: Tensor.scalar('bool', present) }, [], [out(ctx, 0, 'bool', [])]);
  },
};

const optionalGetElement: Converter = {
  domain: 'ai.onnx',
  op: 'OptionalGetElement',
  restrictions: 'tensor inputs only',
  validate: (ctx) => (ctx.hasInput(0) ? SUPPORTED : unsupported('other', 'the optional input is empty')),
  convert: passThrough,
};

export const shapeOpConverters: readonly Converter[] = [shape, size, identity, dropout, optionalHasElement, optionalGetElement];
