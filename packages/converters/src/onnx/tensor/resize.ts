/**
 * ONNX Resize (opset 10: [X, scales] with asymmetric coordinates; 11+: [X, roi, scales, sizes]
 * with every coordinate transform; 18+: antialias, axes, keep_aspect_ratio_policy) and
 * Upsample (scales as attribute at 7, as input at 9), all lowered onto one resize layer.
 */
import { type Dim, type LayerParamsMap, Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter, Support, ValidationContext } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';
import { allOf, dtypeOf, normAxis, out, rankOf, requireChoice } from './helpers.js';

type ResizeParams = LayerParamsMap['resize'];

const TRANSFORMS: readonly ResizeParams['coordinateTransform'][] = [
  'half_pixel',
  'half_pixel_symmetric',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_crop_and_resize',
  'tf_half_pixel_for_nn',
];
const NEAREST_MODES: readonly ResizeParams['nearestMode'][] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];
const POLICIES: readonly ResizeParams['keepAspectRatioPolicy'][] = ['stretch', 'not_larger', 'not_smaller'];

/** ONNX mode names → layer modes ('bilinear'/'trilinear' appear in older exporters' Upsample). */
function layerMode(mode: string): ResizeParams['mode'] | undefined {
  if (mode === 'nearest') return 'nearest';
  if (mode === 'linear' || mode === 'bilinear' || mode === 'trilinear') return 'linear';
  if (mode === 'cubic') return 'cubic';
  return undefined;
}

function validateMode(ctx: ValidationContext): Support {
  const mode = ctx.attrs.string('mode', 'nearest');
  return layerMode(mode) ? SUPPORTED : unsupported('unsupported-attribute', `mode='${mode}' is not nearest, linear or cubic`);
}

function baseParams(mode: ResizeParams['mode']): ResizeParams {
  return {
    mode,
    coordinateTransform: 'asymmetric',
    nearestMode: 'floor',
    cubicCoeffA: -0.75,
    excludeOutside: false,
    extrapolationValue: 0,
    antialias: false,
    keepAspectRatioPolicy: 'stretch',
  };
}

/** Output shape from constant scales (floor(dim * scale)) when dims are static. */
function scaledShape(input: readonly Dim[] | null | undefined, scales: readonly number[] | undefined): Dim[] | null {
  if (!input || !scales || scales.length !== input.length) return null;
  return input.map((d, i) => (typeof d === 'number' ? Math.floor(d * scales[i]!) : null));
}

function floats(t: Tensor | undefined): number[] | undefined {
  return t && t.dtype !== 'string' ? Array.from(t.toFloat64()) : undefined;
}

/** Opset < 11 nearest picks floor when upsampling and ceil when downsampling (the old "simple" rule). */
function legacyNearestMode(scales: readonly number[] | undefined): ResizeParams['nearestMode'] {
  return scales?.every((s) => s <= 1) && scales.some((s) => s < 1) ? 'ceil' : 'floor';
}

function convertLegacy(ctx: ConversionContext, scales: number[] | undefined, scalesInput: string): void {
  const mode = layerMode(ctx.attrs.string('mode', 'nearest'))!;
  const params = { ...baseParams(mode), nearestMode: legacyNearestMode(scales) };
  const dtype = dtypeOf(ctx, 0);
  ctx.addLayer('resize', params, [ctx.input(0), '', scalesInput, ''], [out(ctx, 0, dtype, scaledShape(ctx.inputShape(0), scales))]);
}

const upsample7: Converter = {
  domain: 'ai.onnx',
  op: 'Upsample',
  sinceVersion: 7,
  untilVersion: 8,
  validate: (ctx) =>
    allOf(validateMode(ctx), ctx.attrs.has('scales') ? SUPPORTED : unsupported('unsupported-attribute', 'Upsample-7 needs scales')),
  convert(ctx) {
    const scales = ctx.attrs.floats('scales', []);
    convertLegacy(
      ctx,
      scales,
      ctx.constant(Tensor.fromValues('float32', [scales.length], scales), `${ctx.node.name || 'Upsample'}/scales`),
    );
  },
};

const upsample9: Converter = {
  domain: 'ai.onnx',
  op: 'Upsample',
  sinceVersion: 9,
  validate: validateMode,
  convert: (ctx) => convertLegacy(ctx, floats(ctx.constantInput(1)), ctx.input(1)),
};

const resize10: Converter = {
  domain: 'ai.onnx',
  op: 'Resize',
  sinceVersion: 10,
  untilVersion: 10,
  validate: validateMode,
  convert: (ctx) => convertLegacy(ctx, floats(ctx.constantInput(1)), ctx.input(1)),
};

function validateResize(ctx: ValidationContext): Support {
  return allOf(
    validateMode(ctx),
    requireChoice(ctx, 'coordinate_transformation_mode', TRANSFORMS, 'half_pixel'),
    requireChoice(ctx, 'nearest_mode', NEAREST_MODES, 'round_prefer_floor'),
    requireChoice(ctx, 'keep_aspect_ratio_policy', POLICIES, 'stretch'),
    ctx.hasInput(2) || ctx.hasInput(3) ? SUPPORTED : unsupported('unsupported-attribute', 'Resize needs scales or sizes'),
  );
}

const resize: Converter = {
  domain: 'ai.onnx',
  op: 'Resize',
  sinceVersion: 11,
  validate: validateResize,
  convert(ctx) {
    const a = ctx.attrs;
    const rank = rankOf(ctx, 0);
    const axes = a.ints('axes')?.map((x) => normAxis(ctx, x, rank));
    const params: ResizeParams = {
      mode: layerMode(a.string('mode', 'nearest'))!,
      coordinateTransform: a.string('coordinate_transformation_mode', 'half_pixel') as ResizeParams['coordinateTransform'],
      nearestMode: a.string('nearest_mode', 'round_prefer_floor') as ResizeParams['nearestMode'],
      cubicCoeffA: a.float('cubic_coeff_a', -0.75),
      excludeOutside: a.int('exclude_outside', 0) === 1,
      extrapolationValue: a.float('extrapolation_value', 0),
      antialias: a.int('antialias', 0) === 1,
      keepAspectRatioPolicy: a.string('keep_aspect_ratio_policy', 'stretch') as ResizeParams['keepAspectRatioPolicy'],
      ...(axes ? { axes } : {}),
    };
    const scales = floats(ctx.constantInput(2));
    const shape = !axes && scales && scales.length > 0 ? scaledShape(ctx.inputShape(0), scales) : null;
    const inputs = [ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3)];
    ctx.addLayer('resize', params, inputs, [out(ctx, 0, dtypeOf(ctx, 0), shape)]);
  },
};

export const resizeConverters: readonly Converter[] = [upsample7, upsample9, resize10, resize];
