/**
 * UFF Conv and Pool. Data and weight layouts come from `inputs_orders` (TF-made files: data
 * N+C = NHWC, weights +CK = HWIO); NHWC data is transposed to NCHW around the layer and
 * HWIO weights are permuted to OIHW at conversion time. The TensorRT samples carry no padding
 * field: VALID is the default, `padding` (explicit [top, left, bottom, right] or per-dim
 * pairs) and `implicit_padding` ('same'/'valid') are honoured when present.
 */
import type { DType } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { NCHW_TO_NHWC, NHWC_TO_NCHW, type Padding, permuteTensor, transpose } from '../tf/helpers.js';
import { isChannelsLast, isSpatialFirstWeights, orderOf } from './dim-orders.js';

export function uffPadding(ctx: ConversionContext): Padding {
  const implicit = ctx.attrs.string('implicit_padding');
  if (implicit !== undefined) {
    if (implicit === 'same') return { paddingMode: 'same_upper', padsBegin: [0, 0], padsEnd: [0, 0] };
    if (implicit === 'valid') return { paddingMode: 'valid', padsBegin: [0, 0], padsEnd: [0, 0] };
    throw ctx.error(`implicit_padding '${implicit}' is not 'same' or 'valid'`);
  }
  const pads = ctx.attrs.ints('padding');
  if (!pads) return { paddingMode: 'valid', padsBegin: [0, 0], padsEnd: [0, 0] };
  if (pads.length !== 4) throw ctx.error(`padding should hold 4 values, got [${pads.join(',')}]`);
  return { paddingMode: 'explicit', padsBegin: [pads[0]!, pads[1]!], padsEnd: [pads[2]!, pads[3]!] };
}

export function pair(ctx: ConversionContext, names: string[], fallback: number): number[] {
  for (const n of names) {
    const v = ctx.attrs.ints(n);
    if (v) {
      if (v.length !== 2 || v.some((x) => !Number.isInteger(x) || x < 1))
        throw ctx.error(`${n} should hold 2 positive integers, got [${v.join(',')}]`);
      return v;
    }
  }
  return [fallback, fallback];
}

/** Runs `core` on NCHW data, transposing NHWC data in and out. */
function inNchw(ctx: ConversionContext, dtype: DType, core: (x: string, spec: { name?: string; dtype: DType }) => string): void {
  const channelsLast = isChannelsLast(orderOf(ctx, 'inputs_orders', 0));
  if (!channelsLast) {
    core(ctx.input(0), { name: ctx.output(0), dtype });
    return;
  }
  const x = transpose(ctx, ctx.input(0), NHWC_TO_NCHW, { dtype });
  transpose(ctx, core(x, { dtype }), NCHW_TO_NHWC, { name: ctx.output(0), dtype });
}

function convertConv(ctx: ConversionContext): void {
  const w = ctx.constantInput(1);
  if (w?.rank !== 4) throw ctx.error('Conv weights must be a constant 4-D tensor', 'the UFF file is malformed');
  const hwio = isSpatialFirstWeights(orderOf(ctx, 'inputs_orders', 1));
  const weights = hwio ? permuteTensor(w, [3, 2, 0, 1]) : w;
  const kernel = [weights.shape[2]!, weights.shape[3]!];
  const wName = ctx.constant(weights, `${ctx.node.name}/weights_oihw`);
  const params = {
    kernelShape: kernel,
    strides: pair(ctx, ['strides'], 1),
    dilations: pair(ctx, ['dilation', 'dilations'], 1),
    groups: ctx.attrs.int('number_groups', ctx.attrs.int('groups', 1)),
    ...uffPadding(ctx),
  };
  const dtype = ctx.inputDType(0) ?? 'float32';
  inNchw(ctx, dtype, (x, spec) => ctx.addLayer('convolution', params, [x, wName], [spec])[0]!);
}

function convertPool(ctx: ConversionContext): void {
  const func = ctx.attrs.string('func', 'max');
  if (func !== 'max' && func !== 'avg') throw ctx.error(`pooling func '${func}' is not 'max' or 'avg'`);
  const params = {
    type: func === 'max' ? ('max' as const) : ('average' as const),
    global: false,
    window: pair(ctx, ['kernel'], 1),
    strides: pair(ctx, ['strides'], 1),
    dilations: [1, 1],
    ceilMode: false,
    countIncludePad: false,
    ...uffPadding(ctx),
  };
  const dtype = ctx.inputDType(0) ?? 'float32';
  inNchw(ctx, dtype, (x, spec) => ctx.addLayer('pooling', params, [x], [spec])[0]!);
}

export const uffConvPoolConverters: Converter[] = [
  { domain: 'uff', op: 'Conv', convert: convertConv, restrictions: 'constant weights; 2-D' },
  { domain: 'uff', op: 'Pool', convert: convertPool, restrictions: "func 'max' or 'avg'; 2-D" },
];
