/** ONNX Gather, GatherElements, GatherND, Scatter, ScatterElements and ScatterND. */
import type { Dim } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../../converter.js';
import { dtypeOf, normAxis, out, rankOf, requireChoice } from './helpers.js';

function gatherShape(ctx: ConversionContext, axis: number): Dim[] | null {
  const data = ctx.inputShape(0);
  const indices = ctx.inputShape(1);
  if (!data || !indices || axis < 0) return null;
  return [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
}

const gather: Converter = {
  domain: 'ai.onnx',
  op: 'Gather',
  convert(ctx) {
    const axis = normAxis(ctx, ctx.attrs.int('axis', 0), rankOf(ctx, 0));
    ctx.addLayer(
      'gather',
      { mode: 'default', axis, batchDims: 0 },
      [ctx.input(0), ctx.input(1)],
      [out(ctx, 0, dtypeOf(ctx, 0), gatherShape(ctx, axis))],
    );
  },
};

const gatherElements: Converter = {
  domain: 'ai.onnx',
  op: 'GatherElements',
  convert(ctx) {
    const axis = normAxis(ctx, ctx.attrs.int('axis', 0), rankOf(ctx, 0));
    ctx.addLayer(
      'gather',
      { mode: 'elements', axis, batchDims: 0 },
      [ctx.input(0), ctx.input(1)],
      [out(ctx, 0, dtypeOf(ctx, 0), ctx.inputShape(1) ?? null)],
    );
  },
};

const gatherNd: Converter = {
  domain: 'ai.onnx',
  op: 'GatherND',
  convert(ctx) {
    const batchDims = ctx.attrs.int('batch_dims', 0);
    const data = ctx.inputShape(0);
    const indices = ctx.inputShape(1);
    const k = indices?.[indices.length - 1];
    const shape = data && indices && typeof k === 'number' ? [...indices.slice(0, -1), ...data.slice(batchDims + k)] : null;
    ctx.addLayer('gather', { mode: 'nd', axis: 0, batchDims }, [ctx.input(0), ctx.input(1)], [out(ctx, 0, dtypeOf(ctx, 0), shape)]);
  },
};

const REDUCTIONS = ['none', 'add', 'mul', 'max', 'min'] as const;
type Reduction = (typeof REDUCTIONS)[number];

function scatter(op: string, mode: 'elements' | 'nd'): Converter {
  return {
    domain: 'ai.onnx',
    op,
    validate: (ctx) => requireChoice(ctx, 'reduction', REDUCTIONS, 'none'),
    convert(ctx) {
      const axis = mode === 'elements' ? normAxis(ctx, ctx.attrs.int('axis', 0), rankOf(ctx, 0)) : 0;
      const reduction = ctx.attrs.string('reduction', 'none') as Reduction;
      const inputs = [ctx.input(0), ctx.input(1), ctx.input(2)];
      ctx.addLayer('scatter', { mode, axis, reduction }, inputs, [out(ctx, 0, dtypeOf(ctx, 0), ctx.inputShape(0) ?? null)]);
    },
  };
}

export const gatherScatterConverters: readonly Converter[] = [
  gather,
  gatherElements,
  gatherNd,
  scatter('Scatter', 'elements'),
  scatter('ScatterElements', 'elements'),
  scatter('ScatterND', 'nd'),
];
