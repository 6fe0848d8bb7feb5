/**
 * The type of every layer parameter, per layer kind, as data: what a plan's layers section must
 * hold for a decoded network to be what core/src/layers.ts promises. A plan is only checksummed,
 * so anyone can re-sign one with `pads: "x"` or `window: {}`; without this table such values
 * reach the builder and the lowerers as plain TypeErrors or out-of-range reads. The mapped type
 * below makes the compiler list every kind and every key of LayerParamsMap. A later redesign
 * (per-kind LayerDefs with their own schemas) replaces this table; keep it the one place.
 */
import {
  ACTIVATION_TYPES,
  DTYPES,
  type ElementwiseOp,
  type LayerKind,
  type LayerParamsMap,
  type PaddingMode,
  type ReduceOp,
  type UnaryOp,
} from '@kiln/core';

/** A parameter's runtime type. Integers are safe integers; `min` bounds them from below. */
export type ParamType =
  | { readonly t: 'null' }
  | { readonly t: 'number' }
  | { readonly t: 'int'; readonly min?: number }
  | { readonly t: 'bool' }
  | { readonly t: 'string' }
  | { readonly t: 'tensor' }
  | { readonly t: 'network' }
  | { readonly t: 'enum'; readonly values: readonly (string | number)[] }
  | { readonly t: 'array'; readonly of: ParamType }
  | { readonly t: 'nullable'; readonly of: ParamType }
  | { readonly t: 'record'; readonly of: ParamType }
  | { readonly t: 'union'; readonly of: readonly ParamType[] }
  | { readonly t: 'object'; readonly fields: ParamFields };

export interface ParamField {
  readonly type: ParamType;
  readonly optional: boolean;
}

export type ParamFields = { readonly [key: string]: ParamField };

/** Lists every member of a string union T, checked by the compiler. */
function allOf<T extends string>() {
  return <const A extends readonly T[]>(
    ...values: A & (Exclude<T, A[number]> extends never ? unknown : { missing: Exclude<T, A[number]> })
  ) => values as readonly T[];
}

const number: ParamType = { t: 'number' };
const bool: ParamType = { t: 'bool' };
const string: ParamType = { t: 'string' };
const int = (min?: number): ParamType => (min === undefined ? { t: 'int' } : { t: 'int', min });
const oneOf = (...values: readonly (string | number)[]): ParamType => ({ t: 'enum', values });
const arrayOf = (of: ParamType): ParamType => ({ t: 'array', of });
const nullable = (of: ParamType): ParamType => ({ t: 'nullable', of });

const req = (type: ParamType): ParamField => ({ type, optional: false });
const opt = (type: ParamType): ParamField => ({ type, optional: true });

const dtype = oneOf(...DTYPES);
const axis = int();
const axes = arrayOf(int());
const positive = arrayOf(int(1));
const pads = arrayOf(int());

const UNARY_OPS = allOf<UnaryOp>()(
  'abs',
  'neg',
  'exp',
  'log',
  'sqrt',
  'reciprocal',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'asinh',
  'acosh',
  'atanh',
  'ceil',
  'floor',
  'round',
  'erf',
  'not',
  'sign',
  'is_nan',
  'is_inf',
  'bitwise_not',
);

const ELEMENTWISE_OPS = allOf<ElementwiseOp>()(
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'max',
  'min',
  'mod',
  'and',
  'or',
  'xor',
  'equal',
  'greater',
  'greater_equal',
  'less',
  'less_equal',
  'bit_shift_left',
  'bit_shift_right',
  'bitwise_and',
  'bitwise_or',
  'bitwise_xor',
);

const REDUCE_OPS = allOf<ReduceOp>()('sum', 'prod', 'max', 'min', 'mean', 'l1', 'l2', 'log_sum', 'log_sum_exp', 'sum_square');
const PADDING_MODES = allOf<PaddingMode>()('explicit', 'same_upper', 'same_lower', 'valid');

const activationFields = { type: req(oneOf(...ACTIVATION_TYPES)), alpha: opt(number), beta: opt(number) };
const activation: ParamType = { t: 'object', fields: activationFields };
const epilogue: ParamType = { t: 'object', fields: { residualInput: opt(int(0)), activation: opt(activation) } };

const convolution = {
  kernelShape: req(positive),
  strides: req(positive),
  padsBegin: req(pads),
  padsEnd: req(pads),
  dilations: req(positive),
  groups: req(int(1)),
  paddingMode: req(oneOf(...PADDING_MODES)),
  layout: opt(oneOf('channels_first', 'channels_last')),
  epilogue: opt(epilogue),
};

const quantization = {
  axis: req(nullable(axis)),
  blockSize: opt(int(0)),
  quantizedType: req(dtype),
  floatType: req(dtype),
  saturate: opt(bool),
};

const pluginField: ParamType = {
  t: 'union',
  of: [number, arrayOf(number), string, arrayOf(string), bool, { t: 'tensor' }, { t: 'null' }],
};

const body: ParamField = req({ t: 'network' });

/** Every key of every kind's params, with its type; `{}` for kinds without params. */
export const LAYER_PARAM_TYPES: { readonly [K in LayerKind]: { readonly [P in keyof Required<LayerParamsMap[K]>]: ParamField } } = {
  constant: { value: req({ t: 'tensor' }) },
  identity: {},
  cast: { to: req(dtype), saturate: opt(bool) },
  activation: activationFields,
  parametric_relu: {},
  unary: { op: req(oneOf(...UNARY_OPS)), detectPositive: opt(bool), detectNegative: opt(bool) },
  elementwise: { op: req(oneOf(...ELEMENTWISE_OPS)), fmod: opt(bool) },
  scale: { mode: req(oneOf('uniform', 'channel', 'elementwise')), channelAxis: req(axis) },
  convolution,
  deconvolution: { ...convolution, outputPadding: req(arrayOf(int(0))), outputShape: opt(arrayOf(int(0))) },
  pooling: {
    type: req(oneOf('max', 'average', 'lp')),
    global: req(bool),
    window: req(positive),
    strides: req(positive),
    padsBegin: req(pads),
    padsEnd: req(pads),
    dilations: req(positive),
    paddingMode: req(oneOf(...PADDING_MODES)),
    ceilMode: req(bool),
    countIncludePad: req(bool),
    p: opt(number),
    storageOrder: opt(oneOf(0, 1)),
  },
  matrix_multiply: { transposeA: req(bool), transposeB: req(bool), epilogue: opt(epilogue) },
  softmax: { axis: req(axis), mode: req(oneOf('softmax', 'log_softmax', 'hardmax')), coerce2d: opt(bool) },
  concatenation: { axis: req(axis), inPlace: opt(bool) },
  shuffle: { firstTranspose: opt(axes), reshape: opt(arrayOf(int(-1))), secondTranspose: opt(axes), allowZero: opt(bool) },
  squeeze: { axes: opt(axes) },
  unsqueeze: { axes: opt(axes) },
  expand: {},
  tile: {},
  depth_space: { direction: req(oneOf('depth_to_space', 'space_to_depth')), blockSize: req(int(1)), mode: req(oneOf('DCR', 'CRD')) },
  reduce: { op: req(oneOf(...REDUCE_OPS)), axes: req(nullable(axes)), keepDims: req(bool), noopWithEmptyAxes: opt(bool) },
  arg_reduce: { op: req(oneOf('max', 'min')), axis: req(axis), keepDims: req(bool), selectLastIndex: req(bool) },
  top_k: { axis: req(axis), largest: req(bool), sorted: req(bool) },
  slice: {},
  split: { axis: req(axis), numOutputs: req(int(1)) },
  gather: { mode: req(oneOf('default', 'elements', 'nd')), axis: req(axis), batchDims: req(int(0)) },
  scatter: { mode: req(oneOf('elements', 'nd')), axis: req(axis), reduction: req(oneOf('none', 'add', 'mul', 'max', 'min')) },
  padding: { mode: req(oneOf('constant', 'reflect', 'edge', 'wrap')) },
  resize: {
    mode: req(oneOf('nearest', 'linear', 'cubic')),
    coordinateTransform: req(
      oneOf(
        'half_pixel',
        'half_pixel_symmetric',
        'pytorch_half_pixel',
        'align_corners',
        'asymmetric',
        'tf_crop_and_resize',
        'tf_half_pixel_for_nn',
      ),
    ),
    nearestMode: req(oneOf('round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil')),
    cubicCoeffA: req(number),
    excludeOutside: req(bool),
    extrapolationValue: req(number),
    antialias: req(bool),
    axes: opt(axes),
    keepAspectRatioPolicy: req(oneOf('stretch', 'not_larger', 'not_smaller')),
  },
  normalization: {
    axes: req(axes),
    epsilon: req(number),
    numGroups: req(int(1)),
    channelAxis: req(axis),
    kind: req(oneOf('instance', 'layer', 'group', 'batch', 'rms')),
    stashType: opt(dtype),
  },
  lrn: { size: req(int(1)), alpha: req(number), beta: req(number), bias: req(number) },
  lp_normalization: { axis: req(axis), p: req(oneOf(1, 2)) },
  quantize: quantization,
  dequantize: quantization,
  select: {},
  shape: { start: opt(int()), end: opt(int()) },
  size: {},
  fill: {
    mode: req(oneOf('constant_of_shape', 'range', 'random_uniform', 'random_normal', 'eye_like')),
    dtype: req(dtype),
    value: opt(number),
    shape: opt(arrayOf(int(0))),
    low: opt(number),
    high: opt(number),
    mean: opt(number),
    scale: opt(number),
    seed: opt(number),
    k: opt(int()),
  },
  einsum: { equation: req(string) },
  cumulative: { op: req(oneOf('sum', 'prod')), exclusive: req(bool), reverse: req(bool) },
  one_hot: { axis: req(axis) },
  non_zero: {},
  nms: { centerPointBox: req(bool) },
  grid_sample: {
    mode: req(oneOf('linear', 'nearest', 'cubic')),
    paddingMode: req(oneOf('zeros', 'border', 'reflection')),
    alignCorners: req(bool),
  },
  reverse_sequence: { batchAxis: req(axis), timeAxis: req(axis) },
  trilu: { upper: req(bool) },
  recurrent: {
    cell: req(oneOf('rnn', 'gru', 'lstm')),
    direction: req(oneOf('forward', 'reverse', 'bidirectional')),
    hiddenSize: req(int(1)),
    activations: req(arrayOf(activation)),
    clip: opt(number),
    inputForget: req(bool),
    linearBeforeReset: req(bool),
    layout: req(oneOf(0, 1)),
  },
  conditional: { thenBranch: body, elseBranch: body },
  loop: { body, numCarried: req(int(0)) },
  scan: {
    body,
    numStates: req(int(0)),
    numScanInputs: req(int(0)),
    scanInputAxes: req(axes),
    scanInputDirections: req(arrayOf(oneOf(0, 1))),
    scanOutputAxes: req(axes),
    scanOutputDirections: req(arrayOf(oneOf(0, 1))),
    batched: opt(bool),
  },
  plugin: { namespace: req(string), name: req(string), version: req(string), fields: req({ t: 'record', of: pluginField }) },
  sequence_construct: {},
  sequence_empty: { dtype: req(dtype) },
  sequence_at: {},
  sequence_insert: {},
  sequence_erase: {},
  sequence_length: {},
  split_to_sequence: { axis: req(axis), keepDims: req(bool) },
  concat_from_sequence: { axis: req(axis), newAxis: req(bool) },
};
