/**
 * ONNX activations. A table maps each op to a kiln ActivationType with the names and
 * defaults of its alpha/beta attributes; Clip, PRelu and Gelu have their own rules.
 */
import type { ActivationSpec, ActivationType, DType, Tensor } from '@kiln-inference/core';
import { type ConversionContext, type Converter, SUPPORTED, unsupported, type ValidationContext } from '../converter.js';
import { addBinary } from './elementwise.js';
import { alignAtAxis, allOf, checkInputDTypes, FLOAT_TYPES, knownRank, NUMERIC_TYPES, onnxConverter, requireDType } from './math/common.js';

interface ActivationEntry {
  type: ActivationType;
  /** [attribute name, default] for alpha and beta. */
  alpha?: [string, number];
  beta?: [string, number];
  dtypes?: readonly DType[];
}

const ACTIVATIONS: Record<string, ActivationEntry> = {
  Relu: { type: 'relu', dtypes: [...FLOAT_TYPES, 'int8', 'int16', 'int32', 'int64'] },
  Sigmoid: { type: 'sigmoid' },
  Tanh: { type: 'tanh' },
  LeakyRelu: { type: 'leaky_relu', alpha: ['alpha', 0.01] },
  Elu: { type: 'elu', alpha: ['alpha', 1] },
  // The spec's defaults are float32 values: 1.67326319217681884765625 and 1.05070102214813232421875.
  Selu: { type: 'selu', alpha: ['alpha', 1.6732631921768188], beta: ['gamma', 1.0507010221481323] },
  Softsign: { type: 'softsign' },
  Softplus: { type: 'softplus' },
  HardSigmoid: { type: 'hard_sigmoid', alpha: ['alpha', 0.2], beta: ['beta', 0.5] },
  ThresholdedRelu: { type: 'thresholded_relu', alpha: ['alpha', 1] },
  Celu: { type: 'celu', alpha: ['alpha', 1] },
  Mish: { type: 'mish' },
  HardSwish: { type: 'hard_swish' },
  Shrink: { type: 'shrink', alpha: ['lambd', 0.5], beta: ['bias', 0] },
  Swish: { type: 'swish', alpha: ['alpha', 1] },
};

function addActivation(ctx: ConversionContext, spec: ActivationSpec, input: string, dtype: DType): void {
  ctx.addLayer('activation', spec, [input], [{ name: ctx.output(0), dtype, shape: ctx.inputShape(0) ?? null }]);
}

function tableConverter(onnxOp: string, entry: ActivationEntry): Converter {
  const dtypes = entry.dtypes ?? FLOAT_TYPES;
  return onnxConverter(
    onnxOp,
    (ctx) => {
      const spec: ActivationSpec = { type: entry.type };
      if (entry.alpha) spec.alpha = ctx.attrs.float(entry.alpha[0], entry.alpha[1]);
      if (entry.beta) spec.beta = ctx.attrs.float(entry.beta[0], entry.beta[1]);
      addActivation(ctx, spec, ctx.input(0), requireDType(ctx, 0));
    },
    { dtypes, validate: (ctx) => checkInputDTypes(ctx, dtypes) },
  );
}

const geluConverter = onnxConverter(
  'Gelu',
  (ctx) => {
    const type = ctx.attrs.string('approximate', 'none') === 'tanh' ? 'gelu_tanh' : 'gelu_erf';
    addActivation(ctx, { type }, ctx.input(0), requireDType(ctx, 0));
  },
  {
    dtypes: FLOAT_TYPES,
    validate: (ctx) =>
      allOf(
        () => checkInputDTypes(ctx, FLOAT_TYPES),
        () => {
          const a = ctx.attrs.string('approximate', 'none');
          return a === 'none' || a === 'tanh'
            ? SUPPORTED
            : unsupported('unsupported-attribute', `Gelu approximate must be 'none' or 'tanh', got '${a}'`);
        },
      ),
  },
);

const preluConverter = onnxConverter(
  'PRelu',
  (ctx) => {
    // Before opset 7 a 1-D slope is per channel (axis 1); numpy broadcasting would align it last.
    const rank = knownRank(ctx, 0);
    const slopeRank = ctx.constantInput(1)?.rank ?? knownRank(ctx, 1);
    const perChannel = ctx.opset < 7 && rank !== undefined && rank > 2 && slopeRank === 1;
    const slope = perChannel ? alignAtAxis(ctx, 1, 1, rank) : ctx.input(1);
    ctx.addLayer(
      'parametric_relu',
      {},
      [ctx.input(0), slope],
      [{ name: ctx.output(0), dtype: requireDType(ctx, 0), shape: ctx.inputShape(0) ?? null }],
    );
  },
  { dtypes: NUMERIC_TYPES, validate: (ctx) => checkInputDTypes(ctx, NUMERIC_TYPES, [0, 1]) },
);

/** A constant Clip bound read from an attribute (opset < 11) or a constant input. */
function clipBound(ctx: ValidationContext, which: 'min' | 'max'): number | undefined | 'dynamic' {
  if (ctx.opset < 11) return ctx.attrs.float(which);
  const index = which === 'min' ? 1 : 2;
  if (!ctx.hasInput(index)) return undefined;
  const t: Tensor | undefined = ctx.constantInput(index);
  return t ? t.toFloat64()[0] : 'dynamic';
}

const clipConverter = onnxConverter(
  'Clip',
  (ctx) => {
    const dtype = requireDType(ctx, 0);
    const lo = clipBound(ctx, 'min');
    const hi = clipBound(ctx, 'max');
    if (lo !== 'dynamic' && hi !== 'dynamic') {
      addActivation(ctx, { type: 'clip', alpha: lo ?? -Infinity, beta: hi ?? Infinity }, ctx.input(0), dtype);
      return;
    }
    // Bounds computed at run time: max(x, min) then min(·, max), which also keeps NaN.
    let x = ctx.input(0);
    if (ctx.hasInput(1)) x = addBinary(ctx, 'max', x, ctx.input(1), ctx.hasInput(2) ? { dtype } : { name: ctx.output(0), dtype });
    if (ctx.hasInput(2)) addBinary(ctx, 'min', x, ctx.input(2), { name: ctx.output(0), dtype });
  },
  {
    dtypes: NUMERIC_TYPES,
    validate: (ctx) => checkInputDTypes(ctx, ctx.opset < 11 ? FLOAT_TYPES : NUMERIC_TYPES, [0]),
  },
);

export const activationConverters: readonly Converter[] = [
  ...Object.entries(ACTIVATIONS).map(([name, e]) => tableConverter(name, e)),
  geluConverter,
  preluConverter,
  clipConverter,
];
