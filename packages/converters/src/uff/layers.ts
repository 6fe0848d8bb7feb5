/**
 * UFF's dense-network operations: Activation, LeakyRelu, Binary and Unary (by `func`),
 * FullyConnected (weights [in, out] or [out, in] per `inputs_orders`) and Softmax (its axis
 * read through the declared order, see dim-orders.ts).
 */
import type { ActivationSpec, ElementwiseOp, UnaryOp } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { isInOutWeights, orderOf, storedAxis } from './dim-orders.js';

const ACTIVATIONS: Record<string, ActivationSpec> = {
  relu: { type: 'relu' },
  relu6: { type: 'clip', alpha: 0, beta: 6 },
  sigmoid: { type: 'sigmoid' },
  tanh: { type: 'tanh' },
  elu: { type: 'elu', alpha: 1 },
  selu: { type: 'selu', alpha: 1.6732632423543772, beta: 1.0507009873554805 },
  softplus: { type: 'softplus' },
  softsign: { type: 'softsign' },
};

const BINARY: Record<string, ElementwiseOp> = { add: 'add', sub: 'sub', mul: 'mul', div: 'div', max: 'max', min: 'min', pow: 'pow' };

/** Unary funcs that are one kiln unary op; square and rsqrt are composed below. */
const UNARY: Record<string, UnaryOp> = {
  neg: 'neg',
  abs: 'abs',
  exp: 'exp',
  log: 'log',
  sqrt: 'sqrt',
  reciprocal: 'reciprocal',
  sin: 'sin',
  cos: 'cos',
  tan: 'tan',
  asin: 'asin',
  acos: 'acos',
  atan: 'atan',
  sinh: 'sinh',
  cosh: 'cosh',
  asinh: 'asinh',
  acosh: 'acosh',
  atanh: 'atanh',
  ceil: 'ceil',
  floor: 'floor',
};

function dtypeOf(ctx: ConversionContext): 'float32' | 'float16' | 'int32' {
  const d = ctx.inputDType(0);
  return d === 'float16' || d === 'int32' ? d : 'float32';
}

function spec(ctx: ConversionContext): { name: string; dtype: ReturnType<typeof dtypeOf> } {
  return { name: ctx.output(0), dtype: dtypeOf(ctx) };
}

function byFunc<T>(ctx: ConversionContext, table: Record<string, T>): T {
  const func = ctx.attrs.string('func', '');
  const entry = table[func];
  if (entry === undefined) throw ctx.error(`func '${func}' is not supported`, `supported: ${Object.keys(table).join(', ')}`);
  return entry;
}

function convertFullyConnected(ctx: ConversionContext): void {
  const inOut = isInOutWeights(orderOf(ctx, 'inputs_orders', 1)) || orderOf(ctx, 'inputs_orders', 1) === undefined;
  ctx.addLayer('matrix_multiply', { transposeA: false, transposeB: !inOut }, [ctx.input(0), ctx.input(1)], [spec(ctx)]);
}

function convertUnary(ctx: ConversionContext): void {
  const func = ctx.attrs.string('func', '');
  const x = ctx.input(0);
  if (func === 'square') {
    ctx.addLayer('elementwise', { op: 'mul' }, [x, x], [spec(ctx)]);
    return;
  }
  if (func === 'rsqrt') {
    const root = ctx.addLayer('unary', { op: 'sqrt' }, [x], [{ dtype: dtypeOf(ctx) }])[0]!;
    ctx.addLayer('unary', { op: 'reciprocal' }, [root], [spec(ctx)]);
    return;
  }
  ctx.addLayer('unary', { op: byFunc(ctx, UNARY) }, [x], [spec(ctx)]);
}

/**
 * Without an axis field TensorRT normalised over C; with no declared order either, the
 * classes are the last dim (TensorFlow's Softmax).
 */
function convertSoftmax(ctx: ConversionContext): void {
  const declared = orderOf(ctx, 'inputs_orders', 0) !== undefined;
  const field = ctx.attrs.int('axis');
  const axis = field !== undefined ? storedAxis(ctx, field) : declared ? storedAxis(ctx, 0) : -1;
  ctx.addLayer('softmax', { axis, mode: 'softmax' }, [ctx.input(0)], [spec(ctx)]);
}

export const uffLayerConverters: Converter[] = [
  {
    domain: 'uff',
    op: 'Activation',
    convert: (ctx) => void ctx.addLayer('activation', byFunc(ctx, ACTIVATIONS), [ctx.input(0)], [spec(ctx)]),
  },
  {
    domain: 'uff',
    op: 'Binary',
    convert: (ctx) => void ctx.addLayer('elementwise', { op: byFunc(ctx, BINARY) }, [ctx.input(0), ctx.input(1)], [spec(ctx)]),
  },
  {
    domain: 'uff',
    op: 'LeakyRelu',
    convert: (ctx) =>
      void ctx.addLayer('activation', { type: 'leaky_relu', alpha: ctx.attrs.float('alpha', 0.2) }, [ctx.input(0)], [spec(ctx)]),
  },
  { domain: 'uff', op: 'Unary', convert: convertUnary },
  { domain: 'uff', op: 'FullyConnected', convert: convertFullyConnected },
  { domain: 'uff', op: 'Softmax', convert: convertSoftmax, restrictions: 'axis counted through inputs_orders' },
];
