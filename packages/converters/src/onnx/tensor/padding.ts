/**
 * ONNX Pad (attributes before opset 11, inputs [data, pads, constant_value?, axes?] after) and
 * CenterCropPad, lowered onto slice + padding when its shapes are known.
 */
import { type Dim, isStaticShape, Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter, ValidationContext } from '../../converter.js';
import { constInts, dtypeOf, int64Const, normAxis, out, requireChoice } from './helpers.js';

type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';
const MODES: readonly PadMode[] = ['constant', 'reflect', 'edge', 'wrap'];

function padShape(input: readonly Dim[] | null | undefined, pads: number[] | undefined, axes: number[] | undefined): Dim[] | null {
  if (!input || !pads) return null;
  const ax = axes ? axes.map((a) => (a < 0 ? a + input.length : a)) : input.map((_, i) => i);
  if (pads.length !== 2 * ax.length) return null;
  const shape: Dim[] = [...input];
  ax.forEach((a, i) => {
    const d = shape[a];
    shape[a] = typeof d === 'number' ? d + pads[i]! + pads[i + ax.length]! : null;
  });
  return shape;
}

const padV1: Converter = {
  domain: 'ai.onnx',
  op: 'Pad',
  untilVersion: 10,
  validate: (ctx) => requireChoice(ctx, 'mode', ['constant', 'reflect', 'edge'], 'constant'),
  convert(ctx) {
    const pads = ctx.attrs.ints(ctx.opset < 2 ? 'paddings' : 'pads');
    if (!pads) throw ctx.error('Pad needs the pads attribute');
    const dtype = dtypeOf(ctx, 0);
    const value = ctx.constant(
      Tensor.scalar(dtype, dtype === 'string' ? '' : ctx.attrs.float('value', 0)),
      `${ctx.node.name || 'Pad'}/value`,
    );
    const mode = ctx.attrs.string('mode', 'constant') as PadMode;
    const shape = padShape(ctx.inputShape(0), pads, undefined);
    ctx.addLayer('padding', { mode }, [ctx.input(0), int64Const(ctx, pads, 'pads'), value], [out(ctx, 0, dtype, shape)]);
  },
};

const pad: Converter = {
  domain: 'ai.onnx',
  op: 'Pad',
  sinceVersion: 11,
  validate: (ctx) => requireChoice(ctx, 'mode', MODES, 'constant'),
  convert(ctx) {
    const mode = ctx.attrs.string('mode', 'constant') as PadMode;
    const inputs = [0, 1, 2, 3].map((i) => ctx.input(i));
    while (inputs.length > 2 && inputs[inputs.length - 1] === '') inputs.pop();
    const axes = ctx.hasInput(3) ? constInts(ctx, 3) : undefined;
    const shape = ctx.hasInput(3) && !axes ? null : padShape(ctx.inputShape(0), constInts(ctx, 1), axes);
    ctx.addLayer('padding', { mode }, inputs, [out(ctx, 0, dtypeOf(ctx, 0), shape)]);
  },
};

/** Static shapes lower to slice + padding layers; otherwise the kiln::CenterCropPad plugin runs it. */
function isStaticCase(ctx: ValidationContext): boolean {
  const shape = ctx.inputShape(0);
  return !!shape && isStaticShape(shape) && ctx.constantInput(1) !== undefined;
}

function convertCenterCropPadPlugin(ctx: ConversionContext): void {
  const rank = ctx.inputShape(0)?.length;
  const axes = ctx.attrs.ints('axes')?.map((a) => normAxis(ctx, a, rank)) ?? null;
  const params = { namespace: 'kiln', name: 'CenterCropPad', version: '1', fields: { axes } };
  ctx.addLayer('plugin', params, [ctx.input(0), ctx.input(1)], [out(ctx, 0, dtypeOf(ctx, 0))]);
}

/** Crops each axis to its centre window, or pads it evenly (extra element at the end), to the target size. */
function convertCenterCropPad(ctx: ConversionContext): void {
  const input = ctx.inputShape(0);
  const target = constInts(ctx, 1);
  if (!input || !isStaticShape(input) || !target) throw ctx.error('CenterCropPad needs a static input shape and a constant shape input');
  const rank = input.length;
  const axes = (ctx.attrs.ints('axes') ?? input.map((_, i) => i)).map((a) => normAxis(ctx, a, rank));
  if (axes.length !== target.length) throw ctx.error(`shape has ${target.length} values for ${axes.length} axes`);
  const starts = input.map(() => 0);
  const ends = [...input];
  const padBegin = input.map(() => 0);
  const padEnd = input.map(() => 0);
  axes.forEach((a, i) => {
    const dim = input[a]!;
    const want = target[i]!;
    if (want < 0) throw ctx.error(`target size ${want} of axis ${a} is negative`);
    if (dim > want) {
      starts[a] = Math.floor((dim - want) / 2);
      ends[a] = starts[a]! + want;
    } else {
      padBegin[a] = Math.floor((want - dim) / 2);
      padEnd[a] = want - dim - padBegin[a]!;
    }
  });
  const dtype = dtypeOf(ctx, 0);
  const cropped = ends.map((e, i) => e - starts[i]!);
  const outShape = cropped.map((d, i) => d + padBegin[i]! + padEnd[i]!);
  const sliced = ctx.addLayer(
    'slice',
    {},
    [ctx.input(0), int64Const(ctx, starts, 'starts'), int64Const(ctx, ends, 'ends')],
    [{ dtype, shape: cropped }],
  )[0]!;
  ctx.addLayer(
    'padding',
    { mode: 'constant' },
    [sliced, int64Const(ctx, [...padBegin, ...padEnd], 'pads')],
    [out(ctx, 0, dtype, outShape)],
  );
}

const centerCropPad: Converter = {
  domain: 'ai.onnx',
  op: 'CenterCropPad',
  restrictions: 'a dynamic target shape runs as the built-in plugin kiln::CenterCropPad (CPU)',
  convert: (ctx) => (isStaticCase(ctx) ? convertCenterCropPad(ctx) : convertCenterCropPadPlugin(ctx)),
};

export const paddingConverters: readonly Converter[] = [padV1, pad, centerCropPad];
