/** ONNX NonMaxSuppression and GridSample (mode names of opset 16 and of opset 20). */
import type { LayerParamsMap } from '@kiln-inference/core';
import type { Converter, Support, ValidationContext } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';
import { allOf, dtypeOf, out, requireChoice } from './helpers.js';

type GridParams = LayerParamsMap['grid_sample'];

const nms: Converter = {
  domain: 'ai.onnx',
  op: 'NonMaxSuppression',
  convert(ctx) {
    const inputs = [0, 1, 2, 3, 4].map((i) => ctx.input(i));
    ctx.addLayer('nms', { centerPointBox: ctx.attrs.int('center_point_box', 0) === 1 }, inputs, [out(ctx, 0, 'int64', [null, 3])]);
  },
};

const GRID_MODES: Record<string, GridParams['mode']> = {
  bilinear: 'linear',
  linear: 'linear',
  nearest: 'nearest',
  bicubic: 'cubic',
  cubic: 'cubic',
};

function validateGridSample(ctx: ValidationContext): Support {
  const mode = ctx.attrs.string('mode', ctx.opset < 20 ? 'bilinear' : 'linear');
  return allOf(
    GRID_MODES[mode] ? SUPPORTED : unsupported('unsupported-attribute', `mode='${mode}' is not a GridSample mode`),
    requireChoice(ctx, 'padding_mode', ['zeros', 'border', 'reflection'], 'zeros'),
  );
}

const gridSample: Converter = {
  domain: 'ai.onnx',
  op: 'GridSample',
  validate: validateGridSample,
  convert(ctx) {
    const params: GridParams = {
      mode: GRID_MODES[ctx.attrs.string('mode', ctx.opset < 20 ? 'bilinear' : 'linear')]!,
      paddingMode: ctx.attrs.string('padding_mode', 'zeros') as GridParams['paddingMode'],
      alignCorners: ctx.attrs.int('align_corners', 0) === 1,
    };
    const x = ctx.inputShape(0);
    const grid = ctx.inputShape(1);
    const shape = x && grid && grid.length === x.length ? [x[0]!, x[1]!, ...grid.slice(1, -1)] : null;
    ctx.addLayer('grid_sample', params, [ctx.input(0), ctx.input(1)], [out(ctx, 0, dtypeOf(ctx, 0), shape)]);
  },
};

export const detectionConverters: readonly Converter[] = [nms, gridSample];
