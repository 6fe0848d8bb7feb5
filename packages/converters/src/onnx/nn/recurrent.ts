/**
 * ONNX RNN, GRU and LSTM → one `recurrent` layer. Activation names map to kiln activation specs;
 * activation_alpha / activation_beta are consumed in order by the functions that take them.
 */
import type { ActivationSpec, ActivationType, LayerParamsMap } from '@kiln-inference/core';
import type { ConversionContext, Converter, Support, ValidationContext } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';
import { checkDType, FLOAT_TYPES, firstFailure } from './conv.js';

type Cell = LayerParamsMap['recurrent']['cell'];

interface CellInfo {
  op: string;
  cell: Cell;
  defaults: string[];
  /** Number of node outputs (Y, Y_h[, Y_c]). */
  outputs: number;
}

const CELLS: readonly CellInfo[] = [
  { op: 'RNN', cell: 'rnn', defaults: ['Tanh'], outputs: 2 },
  { op: 'GRU', cell: 'gru', defaults: ['Sigmoid', 'Tanh'], outputs: 2 },
  { op: 'LSTM', cell: 'lstm', defaults: ['Sigmoid', 'Tanh', 'Tanh'], outputs: 3 },
];

/** ONNX activation name → kiln type and how many of (alpha, beta) it consumes. */
const ACTIVATIONS: Record<string, { type: ActivationType; params: 0 | 1 | 2 }> = {
  relu: { type: 'relu', params: 0 },
  tanh: { type: 'tanh', params: 0 },
  sigmoid: { type: 'sigmoid', params: 0 },
  leakyrelu: { type: 'leaky_relu', params: 1 },
  thresholdedrelu: { type: 'thresholded_relu', params: 1 },
  scaledtanh: { type: 'scaled_tanh', params: 2 },
  hardsigmoid: { type: 'hard_sigmoid', params: 2 },
  elu: { type: 'elu', params: 1 },
  softsign: { type: 'softsign', params: 0 },
  softplus: { type: 'softplus', params: 0 },
};

const DIRECTIONS = ['forward', 'reverse', 'bidirectional'] as const;

function activationNames(ctx: ValidationContext, info: CellInfo): string[] {
  const dirs = ctx.attrs.string('direction', 'forward') === 'bidirectional' ? 2 : 1;
  const given = ctx.attrs.strings('activations');
  if (given && given.length > 0) return given;
  return Array.from({ length: dirs }, () => info.defaults).flat();
}

function activationSpecs(ctx: ValidationContext, names: string[]): ActivationSpec[] {
  const alphas = [...ctx.attrs.floats('activation_alpha', [])];
  const betas = [...ctx.attrs.floats('activation_beta', [])];
  return names.map((name) => {
    const entry = ACTIVATIONS[name.toLowerCase()]!;
    const spec: ActivationSpec = { type: entry.type };
    if (entry.params >= 1 && alphas.length > 0) spec.alpha = alphas.shift()!;
    if (entry.params >= 2 && betas.length > 0) spec.beta = betas.shift()!;
    return spec;
  });
}

function validateRecurrent(ctx: ValidationContext, info: CellInfo): Support {
  const direction = ctx.attrs.string('direction', 'forward');
  if (!(DIRECTIONS as readonly string[]).includes(direction))
    return unsupported('unsupported-attribute', `direction '${direction}' is not forward, reverse or bidirectional`);
  const hidden = ctx.attrs.int('hidden_size');
  if (hidden === undefined) {
    const r = ctx.inputShape(2);
    if (!r || typeof r[2] !== 'number')
      return unsupported('unsupported-attribute', 'hidden_size is missing and R has no static shape to infer it from');
  } else if (!Number.isInteger(hidden) || hidden < 1) return unsupported('unsupported-attribute', `hidden_size ${hidden} must be positive`);
  const names = activationNames(ctx, info);
  const unknown = names.find((n) => !(n.toLowerCase() in ACTIVATIONS));
  if (unknown) return unsupported('unsupported-attribute', `activation '${unknown}' is not supported (Affine is deprecated)`);
  const per = info.defaults.length;
  const dirs = direction === 'bidirectional' ? 2 : 1;
  if (names.length !== per && names.length !== per * dirs)
    return unsupported('unsupported-attribute', `${info.op} needs ${per * dirs} activations, got ${names.length}`);
  const layout = ctx.attrs.int('layout', 0);
  if (layout !== 0 && layout !== 1) return unsupported('unsupported-attribute', `layout ${layout} must be 0 or 1`);
  return firstFailure(checkDType(ctx, 0, FLOAT_TYPES), SUPPORTED);
}

function convertRecurrent(ctx: ConversionContext, info: CellInfo): void {
  const dtype = ctx.inputDType(0) ?? 'float32';
  const hidden = ctx.attrs.int('hidden_size') ?? Number(ctx.inputShape(2)![2]);
  const clip = ctx.attrs.float('clip');
  const params: LayerParamsMap['recurrent'] = {
    cell: info.cell,
    direction: ctx.attrs.string('direction', 'forward') as LayerParamsMap['recurrent']['direction'],
    hiddenSize: hidden,
    activations: activationSpecs(ctx, activationNames(ctx, info)),
    inputForget: ctx.attrs.int('input_forget', 0) === 1,
    linearBeforeReset: ctx.attrs.int('linear_before_reset', 0) === 1,
    layout: ctx.attrs.int('layout', 0) === 1 ? 1 : 0,
    ...(clip !== undefined ? { clip } : {}),
  };
  const inputs = Array.from({ length: 8 }, (_, i) => ctx.input(i));
  const outputs = Array.from({ length: info.outputs }, (_, i) => ({ name: ctx.output(i), dtype }));
  ctx.addLayer('recurrent', params, inputs, outputs);
}

export const recurrentConverters: readonly Converter[] = CELLS.map((info) => ({
  domain: 'ai.onnx',
  op: info.op,
  dtypes: FLOAT_TYPES,
  restrictions: 'all directions, layouts, sequence_lens, clip; Affine activation unsupported',
  validate: (ctx: ValidationContext) => validateRecurrent(ctx, info),
  convert: (ctx: ConversionContext) => convertRecurrent(ctx, info),
}));
