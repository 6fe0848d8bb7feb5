/** ONNX unary math ops, one table row each: ONNX name → kiln UnaryOp and accepted dtypes. */
import type { DType, UnaryOp } from '@kiln-inference/core';
import type { Converter } from '../converter.js';
import {
  BOOL_TYPES,
  checkInputDTypes,
  FLOAT_TYPES,
  INT_TYPES,
  NUMERIC_TYPES,
  onnxConverter,
  requireDType,
  SIGNED_NUMERIC_TYPES,
} from './math/common.js';

interface UnaryEntry {
  op: UnaryOp;
  dtypes: readonly DType[];
  bool?: boolean;
}

const UNARY_OPS: Record<string, UnaryEntry> = {
  Abs: { op: 'abs', dtypes: NUMERIC_TYPES },
  Neg: { op: 'neg', dtypes: SIGNED_NUMERIC_TYPES },
  Exp: { op: 'exp', dtypes: FLOAT_TYPES },
  Log: { op: 'log', dtypes: FLOAT_TYPES },
  Sqrt: { op: 'sqrt', dtypes: FLOAT_TYPES },
  Reciprocal: { op: 'reciprocal', dtypes: FLOAT_TYPES },
  Sin: { op: 'sin', dtypes: FLOAT_TYPES },
  Cos: { op: 'cos', dtypes: FLOAT_TYPES },
  Tan: { op: 'tan', dtypes: FLOAT_TYPES },
  Asin: { op: 'asin', dtypes: FLOAT_TYPES },
  Acos: { op: 'acos', dtypes: FLOAT_TYPES },
  Atan: { op: 'atan', dtypes: FLOAT_TYPES },
  Sinh: { op: 'sinh', dtypes: FLOAT_TYPES },
  Cosh: { op: 'cosh', dtypes: FLOAT_TYPES },
  Asinh: { op: 'asinh', dtypes: FLOAT_TYPES },
  Acosh: { op: 'acosh', dtypes: FLOAT_TYPES },
  Atanh: { op: 'atanh', dtypes: FLOAT_TYPES },
  Ceil: { op: 'ceil', dtypes: FLOAT_TYPES },
  Floor: { op: 'floor', dtypes: FLOAT_TYPES },
  Round: { op: 'round', dtypes: FLOAT_TYPES },
  Erf: { op: 'erf', dtypes: FLOAT_TYPES },
  Sign: { op: 'sign', dtypes: NUMERIC_TYPES },
  Not: { op: 'not', dtypes: BOOL_TYPES, bool: true },
  IsNaN: { op: 'is_nan', dtypes: FLOAT_TYPES, bool: true },
  BitwiseNot: { op: 'bitwise_not', dtypes: INT_TYPES },
};

function unaryConverter(onnxOp: string, entry: UnaryEntry): Converter {
  return onnxConverter(
    onnxOp,
    (ctx) => {
      const dtype = entry.bool ? 'bool' : requireDType(ctx, 0);
      ctx.addLayer('unary', { op: entry.op }, [ctx.input(0)], [{ name: ctx.output(0), dtype, shape: ctx.inputShape(0) ?? null }]);
    },
    { dtypes: entry.dtypes, validate: (ctx) => checkInputDTypes(ctx, entry.dtypes) },
  );
}

const isInfConverter = onnxConverter(
  'IsInf',
  (ctx) => {
    const params = {
      op: 'is_inf' as const,
      detectPositive: ctx.attrs.int('detect_positive', 1) !== 0,
      detectNegative: ctx.attrs.int('detect_negative', 1) !== 0,
    };
    ctx.addLayer('unary', params, [ctx.input(0)], [{ name: ctx.output(0), dtype: 'bool', shape: ctx.inputShape(0) ?? null }]);
  },
  { dtypes: FLOAT_TYPES, validate: (ctx) => checkInputDTypes(ctx, FLOAT_TYPES) },
);

export const unaryConverters: readonly Converter[] = [
  ...Object.entries(UNARY_OPS).map(([name, e]) => unaryConverter(name, e)),
  isInfConverter,
];
