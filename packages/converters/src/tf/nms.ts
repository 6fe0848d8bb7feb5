/**
 * NonMaxSuppression V2–V5 on one image: boxes [N, 4] (y1, x1, y2, x2), scores [N]. Lowered to
 * kiln's nms (ONNX layout: boxes [1, N, 4], scores [1, 1, N], rows of (batch, class, box)),
 * whose box column is the TF result. V4 pads to max_output_size when asked and counts the
 * valid boxes; V5 also returns the selected scores, and with soft_nms_sigma ≠ 0 (or computed)
 * runs kiln's SoftNms plugin, TF's Gaussian Soft-NMS.
 */
import { Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter, ValidationContext } from '../converter.js';
import { int64Const, out, tfConverter, tfPlugin } from './helpers.js';
import { indicesAs } from './reduce.js';

function boxIndices(ctx: ConversionContext): string {
  const boxes = ctx.addLayer('unsqueeze', { axes: [0] }, [ctx.input(0)], [{ dtype: 'float32' }])[0]!;
  const scores = ctx.addLayer('unsqueeze', { axes: [0, 1] }, [ctx.input(1)], [{ dtype: 'float32' }])[0]!;
  const inputs = [boxes, scores, ctx.input(2), ctx.input(3), ctx.hasInput(4) ? ctx.input(4) : ''];
  const selected = ctx.addLayer('nms', { centerPointBox: false }, inputs, [{ dtype: 'int64' }])[0]!;
  const column = ctx.constant(Tensor.fromValues('int64', [], [2]), `${ctx.node.name}/box_column`);
  return ctx.addLayer('gather', { mode: 'default', axis: 1, batchDims: 0 }, [selected, column], [{ dtype: 'int64' }])[0]!;
}

/** Pads the index list with zeros up to max_output_size. */
function padToMax(ctx: ConversionContext, indices: string): string {
  const count = ctx.addLayer('size', {}, [indices], [{ dtype: 'int64' }])[0]!;
  const max = ctx.addLayer('cast', { to: 'int64' }, [ctx.input(2)], [{ dtype: 'int64' }])[0]!;
  const missing = ctx.addLayer('elementwise', { op: 'sub' }, [max, count], [{ dtype: 'int64' }])[0]!;
  const end = ctx.addLayer('shuffle', { reshape: [1] }, [missing], [{ dtype: 'int64' }])[0]!;
  const pads = ctx.addLayer('concatenation', { axis: 0 }, [int64Const(ctx, [0], 'pad_begin'), end], [{ dtype: 'int64' }])[0]!;
  return ctx.addLayer('padding', { mode: 'constant' }, [indices, pads], [{ dtype: 'int64' }])[0]!;
}

function validCount(ctx: ConversionContext, indices: string, outputIndex: number): void {
  const count = ctx.addLayer('size', {}, [indices], [{ dtype: 'int64' }])[0]!;
  indicesAs(ctx, count, 'int32', outputIndex);
}

function convertNms(ctx: ConversionContext, version: 2 | 3 | 4 | 5): void {
  const indices = boxIndices(ctx);
  const pad = version >= 4 && ctx.attrs.bool('pad_to_max_output_size', false);
  indicesAs(ctx, pad ? padToMax(ctx, indices) : indices, 'int32', 0);
  if (version === 4) validCount(ctx, indices, 1);
  if (version === 5) {
    if (ctx.output(1))
      ctx.addLayer('gather', { mode: 'default', axis: 0, batchDims: 0 }, [ctx.input(1), indices], [out(ctx, 'float32', 1)]);
    if (ctx.output(2)) validCount(ctx, indices, 2);
  }
}

function isHard(ctx: ValidationContext): boolean {
  const sigma = ctx.constantInput(5);
  return !ctx.hasInput(5) || (sigma !== undefined && sigma.getNumber(0) === 0);
}

function convertSoftNms(ctx: ConversionContext): void {
  const inputs = [0, 1, 2, 3, 4, 5].map((i) => ctx.input(i));
  const fields = { padToMax: ctx.attrs.bool('pad_to_max_output_size', false) };
  tfPlugin(ctx, 'SoftNms', fields, inputs, [out(ctx, 'int32'), out(ctx, 'float32', 1), out(ctx, 'int32', 2)]);
}

export const tfNmsConverters: Converter[] = [
  tfConverter('NonMaxSuppressionV2', (ctx) => convertNms(ctx, 2)),
  tfConverter('NonMaxSuppressionV3', (ctx) => convertNms(ctx, 3)),
  tfConverter('NonMaxSuppressionV4', (ctx) => convertNms(ctx, 4)),
  tfConverter('NonMaxSuppressionV5', (ctx) => (isHard(ctx) ? convertNms(ctx, 5) : convertSoftNms(ctx))),
];
