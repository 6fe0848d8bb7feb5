/**
 * TF elementwise ops: binary arithmetic, comparisons and logic (numpy broadcasting, as TF),
 * and unary math. Table-driven; the few ops with no single layer (SquaredDifference, NotEqual,
 * FloorDiv, Rsqrt, Square) compose two.
 */
import type { DType, ElementwiseOp, UnaryOp } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { dataFormat, inputDType, out, scalarConst, tfConverter } from './helpers.js';

const BINARY: Record<string, { op: ElementwiseOp; bool?: boolean; fmod?: boolean }> = {
  Add: { op: 'add' },
  AddV2: { op: 'add' },
  Sub: { op: 'sub' },
  Mul: { op: 'mul' },
  RealDiv: { op: 'div' },
  Div: { op: 'div' },
  TruncateDiv: { op: 'div' },
  Maximum: { op: 'max' },
  Minimum: { op: 'min' },
  Pow: { op: 'pow' },
  FloorMod: { op: 'mod' },
  TruncateMod: { op: 'mod', fmod: true },
  // TF's Mod is C's remainder (truncating), unlike FloorMod.
  Mod: { op: 'mod', fmod: true },
  Equal: { op: 'equal', bool: true },
  Greater: { op: 'greater', bool: true },
  GreaterEqual: { op: 'greater_equal', bool: true },
  Less: { op: 'less', bool: true },
  LessEqual: { op: 'less_equal', bool: true },
  LogicalAnd: { op: 'and', bool: true },
  LogicalOr: { op: 'or', bool: true },
  BitwiseAnd: { op: 'bitwise_and' },
  BitwiseOr: { op: 'bitwise_or' },
  BitwiseXor: { op: 'bitwise_xor' },
};

const UNARY: Record<string, UnaryOp> = {
  Abs: 'abs',
  Neg: 'neg',
  Exp: 'exp',
  Log: 'log',
  Sqrt: 'sqrt',
  Reciprocal: 'reciprocal',
  Inv: 'reciprocal',
  Sin: 'sin',
  Cos: 'cos',
  Tan: 'tan',
  Asin: 'asin',
  Acos: 'acos',
  Atan: 'atan',
  Sinh: 'sinh',
  Cosh: 'cosh',
  Asinh: 'asinh',
  Acosh: 'acosh',
  Atanh: 'atanh',
  Ceil: 'ceil',
  Floor: 'floor',
  Round: 'round',
  Rint: 'round',
  Erf: 'erf',
  LogicalNot: 'not',
  Sign: 'sign',
  IsNan: 'is_nan',
  Invert: 'bitwise_not',
};

export function binary(
  ctx: ConversionContext,
  op: ElementwiseOp,
  a: string,
  b: string,
  dtype: DType,
  bind: boolean,
  fmod?: boolean,
): string {
  const params = fmod ? { op, fmod } : { op };
  return ctx.addLayer('elementwise', params, [a, b], [bind ? out(ctx, dtype) : { dtype }])[0]!;
}

export function unary(ctx: ConversionContext, op: UnaryOp, x: string, dtype: DType, bind: boolean): string {
  return ctx.addLayer('unary', { op }, [x], [bind ? out(ctx, dtype) : { dtype }])[0]!;
}

const binaryConverters = Object.entries(BINARY).map(([name, e]) =>
  tfConverter(name, (ctx) => {
    binary(ctx, e.op, ctx.input(0), ctx.input(1), e.bool ? 'bool' : inputDType(ctx), true, e.fmod);
  }),
);

const unaryConverters = Object.entries(UNARY).map(([name, op]) =>
  tfConverter(name, (ctx) => {
    unary(ctx, op, ctx.input(0), op === 'not' || op === 'is_nan' ? 'bool' : inputDType(ctx), true);
  }),
);

function isInteger(dtype: DType): boolean {
  return dtype.startsWith('int') || dtype.startsWith('uint');
}

const composed: Converter[] = [
  tfConverter('SquaredDifference', (ctx) => {
    const t = inputDType(ctx);
    const d = binary(ctx, 'sub', ctx.input(0), ctx.input(1), t, false);
    binary(ctx, 'mul', d, d, t, true);
  }),
  tfConverter('Square', (ctx) => {
    const x = ctx.input(0);
    binary(ctx, 'mul', x, x, inputDType(ctx), true);
  }),
  tfConverter('Rsqrt', (ctx) => {
    const t = inputDType(ctx);
    unary(ctx, 'reciprocal', unary(ctx, 'sqrt', ctx.input(0), t, false), t, true);
  }),
  tfConverter('NotEqual', (ctx) => {
    unary(ctx, 'not', binary(ctx, 'equal', ctx.input(0), ctx.input(1), 'bool', false), 'bool', true);
  }),
  tfConverter('FloorDiv', (ctx) => {
    const t = inputDType(ctx);
    const [a, b] = [ctx.input(0), ctx.input(1)];
    if (!isInteger(t)) {
      unary(ctx, 'floor', binary(ctx, 'div', a, b, t, false), t, true);
      return;
    }
    // a - mod(a, b) is an exact multiple of b (mod takes the divisor's sign), so the
    // truncating integer division of it is the floor of a / b.
    const multiple = binary(ctx, 'sub', a, binary(ctx, 'mod', a, b, t, false), t, false);
    binary(ctx, 'div', multiple, b, t, true);
  }),
  tfConverter('BiasAdd', (ctx) => {
    const t = inputDType(ctx);
    let bias = ctx.input(1);
    // NCHW: the bias runs along axis 1, so give it trailing unit dims to broadcast.
    if (dataFormat(ctx) === 'NCHW') bias = ctx.addLayer('shuffle', { reshape: [-1, 1, 1] }, [bias], [{ dtype: t }])[0]!;
    binary(ctx, 'add', ctx.input(0), bias, t, true);
  }),
  tfConverter('AddN', (ctx) => {
    const t = inputDType(ctx);
    const n = ctx.node.inputs.length;
    if (n === 1) {
      ctx.alias(0, ctx.input(0));
      return;
    }
    let sum = ctx.input(0);
    for (let i = 1; i < n; i++) sum = binary(ctx, 'add', sum, ctx.input(i), t, i === n - 1);
  }),
  tfConverter('Log1p', (ctx) => {
    const t = inputDType(ctx);
    unary(ctx, 'log', binary(ctx, 'add', ctx.input(0), scalarConst(ctx, t, 1, 'one'), t, false), t, true);
  }),
  tfConverter('Expm1', (ctx) => {
    const t = inputDType(ctx);
    binary(ctx, 'sub', unary(ctx, 'exp', ctx.input(0), t, false), scalarConst(ctx, t, 1, 'one'), t, true);
  }),
  tfConverter('IsInf', (ctx) => {
    ctx.addLayer('unary', { op: 'is_inf', detectPositive: true, detectNegative: true }, [ctx.input(0)], [out(ctx, 'bool')]);
  }),
  tfConverter('IsFinite', (ctx) => {
    const inf = ctx.addLayer(
      'unary',
      { op: 'is_inf', detectPositive: true, detectNegative: true },
      [ctx.input(0)],
      [{ dtype: 'bool' }],
    )[0]!;
    const nan = unary(ctx, 'is_nan', ctx.input(0), 'bool', false);
    unary(ctx, 'not', binary(ctx, 'or', inf, nan, 'bool', false), 'bool', true);
  }),
  tfConverter('BiasAddV1', (ctx) => {
    binary(ctx, 'add', ctx.input(0), ctx.input(1), inputDType(ctx), true);
  }),
];

export const tfElementwiseConverters: Converter[] = [...binaryConverters, ...unaryConverters, ...composed];
