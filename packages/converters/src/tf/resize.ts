/**
 * ResizeBilinear / ResizeNearestNeighbor / ResizeBicubic on NHWC images: the size input gives the new H, W.
 * TF's coordinate rules map onto ONNX Resize's: align_corners, half_pixel_centers (bilinear:
 * half_pixel; nearest: tf_half_pixel_for_nn with floor) or neither (asymmetric, floor).
 */
import type { LayerParamsMap } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { inputDType, out, tfConverter } from './helpers.js';

type ResizeParams = LayerParamsMap['resize'];

function coordinateRule(ctx: ConversionContext, mode: 'linear' | 'nearest'): Pick<ResizeParams, 'coordinateTransform' | 'nearestMode'> {
  const alignCorners = ctx.attrs.bool('align_corners', false);
  const halfPixel = ctx.attrs.bool('half_pixel_centers', false);
  if (alignCorners && halfPixel) throw ctx.error('align_corners and half_pixel_centers cannot both be set');
  if (alignCorners) return { coordinateTransform: 'align_corners', nearestMode: 'round_prefer_ceil' };
  if (halfPixel) return { coordinateTransform: mode === 'linear' ? 'half_pixel' : 'tf_half_pixel_for_nn', nearestMode: 'floor' };
  return { coordinateTransform: 'asymmetric', nearestMode: 'floor' };
}

function convertResize(ctx: ConversionContext, mode: 'linear' | 'nearest' | 'cubic'): void {
  const halfPixel = ctx.attrs.bool('half_pixel_centers', false);
  const params: ResizeParams = {
    mode,
    ...coordinateRule(ctx, mode === 'nearest' ? 'nearest' : 'linear'),
    // TF's bicubic kernel uses a = −0.5 with half-pixel centers and −0.75 in legacy mode.
    cubicCoeffA: halfPixel ? -0.5 : -0.75,
    excludeOutside: false,
    extrapolationValue: 0,
    antialias: false,
    axes: [1, 2],
    keepAspectRatioPolicy: 'stretch',
  };
  ctx.addLayer('resize', params, [ctx.input(0), '', '', ctx.input(1)], [out(ctx, inputDType(ctx))]);
}

export const tfResizeConverters: Converter[] = [
  tfConverter('ResizeBilinear', (ctx) => convertResize(ctx, 'linear')),
  tfConverter('ResizeNearestNeighbor', (ctx) => convertResize(ctx, 'nearest')),
  tfConverter('ResizeBicubic', (ctx) => convertResize(ctx, 'cubic')),
];
