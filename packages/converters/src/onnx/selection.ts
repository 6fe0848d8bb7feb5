/** Where (select), TopK (k an attribute before opset 10, an input after) and Trilu. */
import { Tensor } from '@kiln-inference/core';
import { type Converter, SUPPORTED, unsupported, type ValidationContext } from '../converter.js';
import {
  broadcastOutputShape,
  checkInputDTypes,
  knownRank,
  NUMERIC_TYPES,
  normalizeAxes,
  onnxConverter,
  requireDType,
} from './math/common.js';

const whereConverter = onnxConverter(
  'Where',
  (ctx) => {
    const shape = broadcastOutputShape(ctx, [0, 1, 2]);
    ctx.addLayer('select', {}, [ctx.input(0), ctx.input(1), ctx.input(2)], [{ name: ctx.output(0), dtype: requireDType(ctx, 1), shape }]);
  },
  { validate: (ctx) => checkInputDTypes(ctx, ['bool'], [0]) },
);

function validateTopK(ctx: ValidationContext) {
  const dtypes = checkInputDTypes(ctx, NUMERIC_TYPES);
  if (!dtypes.supported) return dtypes;
  if (ctx.opset < 10 && !ctx.attrs.has('k')) return unsupported('unsupported-attribute', "TopK before opset 10 needs a 'k' attribute");
  return SUPPORTED;
}

const topKConverter = onnxConverter(
  'TopK',
  (ctx) => {
    const k = ctx.opset < 10 ? ctx.constant(Tensor.fromValues('int64', [1], [ctx.attrs.int('k', 0)])) : ctx.input(1);
    const params = {
      axis: normalizeAxes(ctx, [ctx.attrs.int('axis', -1)], knownRank(ctx, 0))[0]!,
      largest: ctx.attrs.int('largest', 1) !== 0,
      sorted: ctx.attrs.int('sorted', 1) !== 0,
    };
    ctx.addLayer(
      'top_k',
      params,
      [ctx.input(0), k],
      [
        { name: ctx.output(0), dtype: requireDType(ctx, 0) },
        { name: ctx.output(1), dtype: 'int64' },
      ],
    );
  },
  { dtypes: NUMERIC_TYPES, validate: validateTopK },
);

const triluConverter = onnxConverter(
  'Trilu',
  (ctx) => {
    const inputs = [ctx.input(0)];
    if (ctx.hasInput(1)) inputs.push(ctx.input(1));
    ctx.addLayer('trilu', { upper: ctx.attrs.int('upper', 1) !== 0 }, inputs, [
      { name: ctx.output(0), dtype: requireDType(ctx, 0), shape: ctx.inputShape(0) ?? null },
    ]);
  },
  {
    validate: (ctx) => {
      const rank = knownRank(ctx, 0);
      return rank !== undefined && rank < 2 ? unsupported('other', `Trilu needs rank ≥ 2, got ${rank}`) : SUPPORTED;
    },
  },
);

export const selectionConverters: readonly Converter[] = [whereConverter, topKConverter, triluConverter];
