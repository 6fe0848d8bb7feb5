/**
 * 3-D convolution and pooling (Conv3D, MaxPool3D, AvgPool3D) on NDHWC (or NCDHW) data.
 * Filters are DHWIO and become OIDHW; NDHWC data is transposed to NCDHW around the layer.
 * TF's 3-D ops take SAME or VALID padding only.
 */
import type { DType, PaddingMode } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { inputDType, permuteTensor, runChain, type Step, tfConverter, transpose } from './helpers.js';

const NDHWC_TO_NCDHW = [0, 4, 1, 2, 3];
const NCDHW_TO_NDHWC = [0, 2, 3, 4, 1];
const DHWIO_TO_OIDHW = [4, 3, 0, 1, 2];

function channelsLast(ctx: ConversionContext): boolean {
  const f = ctx.attrs.string('data_format', 'NDHWC');
  if (f !== 'NDHWC' && f !== 'NCDHW') throw ctx.error(`data_format '${f}' is not NDHWC or NCDHW`);
  return f === 'NDHWC';
}

/** The three spatial entries of a 5-element attribute. */
function spatial3(ctx: ConversionContext, name: string, last: boolean, fallback: number): number[] {
  const v = ctx.attrs.ints(name, [fallback, fallback, fallback, fallback, fallback]);
  if (v.length !== 5 || v.some((x) => !Number.isInteger(x) || x < 1))
    throw ctx.error(`attribute '${name}' should hold 5 positive integers, got [${v.join(',')}]`);
  return last ? v.slice(1, 4) : v.slice(2, 5);
}

function padding3d(ctx: ConversionContext): { paddingMode: PaddingMode; padsBegin: number[]; padsEnd: number[] } {
  const p = ctx.attrs.string('padding', 'VALID');
  if (p !== 'SAME' && p !== 'VALID') throw ctx.error(`padding '${p}' is not SAME or VALID`);
  return { paddingMode: p === 'SAME' ? 'same_upper' : 'valid', padsBegin: [0, 0, 0], padsEnd: [0, 0, 0] };
}

/** Runs `core` on channels-first data, transposing NDHWC in and out. */
function inChannelsFirst(ctx: ConversionContext, dtype: DType, core: Step): void {
  if (!channelsLast(ctx)) {
    runChain(ctx, ctx.input(0), [core], dtype);
    return;
  }
  const x = transpose(ctx, ctx.input(0), NDHWC_TO_NCDHW, { dtype });
  runChain(ctx, x, [core, (y, spec) => transpose(ctx, y, NCDHW_TO_NDHWC, spec)], dtype);
}

function convertConv3D(ctx: ConversionContext): void {
  const filter = ctx.constantInput(1);
  if (filter?.rank !== 5) throw ctx.error('the filter must be a constant 5-D tensor', 'freeze the graph so the filter is a Const');
  const last = channelsLast(ctx);
  const w = ctx.constant(permuteTensor(filter, DHWIO_TO_OIDHW), `${ctx.node.name}/filter_oidhw`);
  const params = {
    kernelShape: filter.shape.slice(0, 3),
    strides: spatial3(ctx, 'strides', last, 1),
    dilations: spatial3(ctx, 'dilations', last, 1),
    groups: 1,
    ...padding3d(ctx),
  };
  inChannelsFirst(ctx, inputDType(ctx), (x, spec) => ctx.addLayer('convolution', params, [x, w], [spec])[0]!);
}

function convertPool3D(ctx: ConversionContext, type: 'max' | 'average'): void {
  const last = channelsLast(ctx);
  const params = {
    type,
    global: false,
    window: spatial3(ctx, 'ksize', last, 1),
    strides: spatial3(ctx, 'strides', last, 1),
    dilations: [1, 1, 1],
    ceilMode: false,
    countIncludePad: false,
    ...padding3d(ctx),
  };
  inChannelsFirst(ctx, inputDType(ctx), (x, spec) => ctx.addLayer('pooling', params, [x], [spec])[0]!);
}

export const tfConv3DConverters: Converter[] = [
  tfConverter('Conv3D', convertConv3D),
  tfConverter('MaxPool3D', (ctx) => convertPool3D(ctx, 'max')),
  tfConverter('AvgPool3D', (ctx) => convertPool3D(ctx, 'average')),
];
