/**
 * TF 2-D convolutions: Conv2D, DepthwiseConv2dNative and their fused forms (_FusedConv2D,
 * FusedDepthwiseConv2dNative). Filters are HWIO (conv) or HWCM (depthwise) and become kiln's
 * OIHW (depthwise: [C·M, 1, H, W] with C groups); constant filters are permuted at conversion
 * time. NHWC data is transposed to NCHW around the convolution.
 */
import type { DType, Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter, Support, ValidationContext } from '../converter.js';
import { planFusedOps, validateFusedOps } from './fused-ops.js';
import {
  dataFormat,
  inputDType,
  NCHW_TO_NHWC,
  NHWC_TO_NCHW,
  permuteTensor,
  runChain,
  type Step,
  spatialPair,
  tfConverter,
  tfPadding,
  transpose,
} from './helpers.js';

const HWIO_TO_OIHW = [3, 2, 0, 1];
const HWCM_TO_CMHW = [2, 3, 0, 1];

interface Filter {
  tensor: string;
  kernel: [number, number];
  groups: number;
}

function filterShape(ctx: ConversionContext): readonly number[] {
  const c = ctx.constantInput(1);
  if (c) return c.shape;
  const s = ctx.inputShape(1);
  if (s && s.length === 4 && s.every((d) => typeof d === 'number')) return s as number[];
  throw ctx.error('the filter must be a constant or have a known 4-D shape', 'freeze the graph so the filter is a Const');
}

function convFilter(ctx: ConversionContext, depthwise: boolean): Filter {
  const shape = filterShape(ctx);
  if (shape.length !== 4) throw ctx.error(`the filter should be 4-D, got rank ${shape.length}`);
  const [h, w, c, m] = shape as [number, number, number, number];
  const constant: Tensor | undefined = ctx.constantInput(1);
  if (depthwise) {
    const tensor = constant
      ? ctx.constant(permuteTensor(constant, HWCM_TO_CMHW).reshape([c * m, 1, h, w]), `${ctx.node.name}/filter_oihw`)
      : ctx.addLayer(
          'shuffle',
          { firstTranspose: HWCM_TO_CMHW, reshape: [c * m, 1, h, w] },
          [ctx.input(1)],
          [{ dtype: inputDType(ctx, 1) }],
        )[0]!;
    return { tensor, kernel: [h, w], groups: c };
  }
  const tensor = constant
    ? ctx.constant(permuteTensor(constant, HWIO_TO_OIHW), `${ctx.node.name}/filter_oihw`)
    : ctx.addLayer('shuffle', { firstTranspose: HWIO_TO_OIHW }, [ctx.input(1)], [{ dtype: inputDType(ctx, 1) }])[0]!;
  // TF runs a grouped convolution when the input has a multiple of the filter's in-channels.
  const xShape = ctx.inputShape(0);
  const format = dataFormat(ctx);
  const inChannels = xShape?.[format === 'NHWC' ? 3 : 1];
  const groups = typeof inChannels === 'number' && inChannels % c === 0 ? inChannels / c : 1;
  return { tensor, kernel: [h, w], groups };
}

function convert2d(ctx: ConversionContext, depthwise: boolean, fused: boolean): void {
  const format = dataFormat(ctx);
  const dtype: DType = inputDType(ctx);
  const filter = convFilter(ctx, depthwise);
  const plan = fused ? planFusedOps(ctx, 2, format, dtype, true) : { steps: [] as Step[] };
  const x = format === 'NHWC' ? transpose(ctx, ctx.input(0), NHWC_TO_NCHW, { dtype }) : ctx.input(0);
  const padding = tfPadding(ctx, format);
  const params = {
    kernelShape: filter.kernel,
    strides: spatialPair(ctx, 'strides', format, 1),
    dilations: spatialPair(ctx, 'dilations', format, 1),
    groups: filter.groups,
    ...padding,
  };
  const weights = plan.bias ? [filter.tensor, plan.bias] : [filter.tensor];
  const steps: Step[] = [(input, spec) => ctx.addLayer('convolution', params, [input, ...weights], [spec])[0]!];
  if (format === 'NHWC') steps.push((y, spec) => transpose(ctx, y, NCHW_TO_NHWC, spec));
  runChain(ctx, x, [...steps, ...plan.steps], dtype);
}

function validateConv(ctx: ValidationContext): Support {
  dataFormat(ctx);
  tfPadding(ctx, dataFormat(ctx));
  return { supported: true };
}

function validateFusedConv(ctx: ValidationContext): Support {
  const base = validateConv(ctx);
  return base.supported ? validateFusedOps(ctx) : base;
}

export const tfConvConverters: Converter[] = [
  tfConverter('Conv2D', (ctx) => convert2d(ctx, false, false), validateConv),
  tfConverter('DepthwiseConv2dNative', (ctx) => convert2d(ctx, true, false), validateConv),
  // TF.js's name for the same op.
  tfConverter('DepthwiseConv2d', (ctx) => convert2d(ctx, true, false), validateConv),
  tfConverter(
    '_FusedConv2D',
    (ctx) => convert2d(ctx, false, true),
    validateFusedConv,
    'fused_ops: BiasAdd, FusedBatchNorm, Add, activations, Prelu',
  ),
  tfConverter(
    'FusedDepthwiseConv2dNative',
    (ctx) => convert2d(ctx, true, true),
    validateFusedConv,
    'fused_ops: BiasAdd, FusedBatchNorm, Add, activations, Prelu',
  ),
];
