/** ONNX Slice: attributes before opset 10, inputs [data, starts, ends, axes?, steps?] after. */
import type { Dim } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';
import { constInts, dtypeOf, int64Const, out } from './helpers.js';

/** Output shape when every slice parameter is constant and the sliced dims are static. */
function inferSlice(
  ctx: ConversionContext,
  starts: number[],
  ends: number[],
  axes: number[] | undefined,
  steps: number[] | undefined,
): Dim[] | null {
  const input = ctx.inputShape(0);
  if (!input) return null;
  const shape: Dim[] = [...input];
  for (let i = 0; i < starts.length; i++) {
    const raw = axes ? axes[i]! : i;
    const a = raw < 0 ? raw + input.length : raw;
    const dim = input[a];
    const step = steps ? steps[i]! : 1;
    if (typeof dim !== 'number' || step === 0) return null;
    let s = starts[i]! < 0 ? starts[i]! + dim : starts[i]!;
    let e = ends[i]! < 0 ? ends[i]! + dim : ends[i]!;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
    }
    shape[a] = Math.max(0, Math.ceil((e - s) / step));
  }
  return shape;
}

const sliceV1: Converter = {
  domain: 'ai.onnx',
  op: 'Slice',
  untilVersion: 9,
  validate: (ctx) =>
    ctx.attrs.has('starts') && ctx.attrs.has('ends') ? SUPPORTED : unsupported('unsupported-attribute', 'Slice-1 needs starts and ends'),
  convert(ctx) {
    const starts = ctx.attrs.ints('starts', []);
    const ends = ctx.attrs.ints('ends', []);
    const axes = ctx.attrs.ints('axes');
    const inputs = [ctx.input(0), int64Const(ctx, starts, 'starts'), int64Const(ctx, ends, 'ends')];
    if (axes) inputs.push(int64Const(ctx, axes, 'axes'));
    ctx.addLayer('slice', {}, inputs, [out(ctx, 0, dtypeOf(ctx, 0), inferSlice(ctx, starts, ends, axes, undefined))]);
  },
};

const slice: Converter = {
  domain: 'ai.onnx',
  op: 'Slice',
  sinceVersion: 10,
  convert(ctx) {
    const inputs = [0, 1, 2, 3, 4].map((i) => ctx.input(i));
    while (inputs.length > 3 && inputs[inputs.length - 1] === '') inputs.pop();
    const starts = constInts(ctx, 1);
    const ends = constInts(ctx, 2);
    const axes = ctx.hasInput(3) ? constInts(ctx, 3) : undefined;
    const steps = ctx.hasInput(4) ? constInts(ctx, 4) : undefined;
    const known = starts && ends && (axes || !ctx.hasInput(3)) && (steps || !ctx.hasInput(4));
    const shape = known ? inferSlice(ctx, starts, ends, axes, steps) : null;
    ctx.addLayer('slice', {}, inputs, [out(ctx, 0, dtypeOf(ctx, 0), shape)]);
  },
};

export const sliceConverters: readonly Converter[] = [sliceV1, slice];
