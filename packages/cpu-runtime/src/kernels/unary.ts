/**
 * Unary elementwise ops. Floats compute in float64 and round once to the output dtype;
 * integer ops that could lose precision (abs/neg/sign/bitwise_not on int64) use bigints.
 */
import { dtypeInfo, ErrorCode, KilnError, Tensor, type UnaryOp } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { bigints, fromBigInts, fromNumbers, needsBigInt, numbers } from './util/values.js';

/** Round half to even, as ONNX Round and QuantizeLinear require. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  // Math.round sends ties toward +Inf; an exact tie must go to the even neighbour instead.
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** erf with ~1e-15 relative accuracy: Taylor series near 0, continued fraction for erfc beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * sum * (2 / Math.sqrt(Math.PI));
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail.
  let frac = ax;
  for (let k = 60; k >= 1; k--) frac = ax + k / 2 / frac;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / frac;
  return Math.sign(x) * (1 - erfc);
}

type NumberFn = (x: number) => number;

const FLOAT_FNS: Partial<Record<UnaryOp, NumberFn>> = {
  abs: Math.abs,
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  ceil: Math.ceil,
  floor: Math.floor,
  round: roundHalfEven,
  erf,
  sign: (x) => (Number.isNaN(x) ? x : Math.sign(x)),
};

/** Ops that make sense on integers (others would silently truncate and are rejected). */
const INTEGER_FNS: Partial<Record<UnaryOp, NumberFn>> = {
  abs: Math.abs,
  neg: (x) => -x,
  sign: Math.sign,
  ceil: (x) => x,
  floor: (x) => x,
  round: (x) => x,
  bitwise_not: (x) => ~x,
};

const BIGINT_FNS: Partial<Record<UnaryOp, (x: bigint) => bigint>> = {
  abs: (x) => (x < 0n ? -x : x),
  neg: (x) => -x,
  sign: (x) => (x > 0n ? 1n : x < 0n ? -1n : 0n),
  ceil: (x) => x,
  floor: (x) => x,
  round: (x) => x,
  bitwise_not: (x) => ~x,
};

function boolResult(x: Tensor, test: (v: number) => boolean): Tensor {
  const v = numbers(x);
  return new Tensor(
    'bool',
    x.shape,
    Uint8Array.from(v, (e) => (test(e) ? 1 : 0)),
  );
}

function unsupported(op: UnaryOp, dtype: string): KilnError {
  return new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `unary '${op}' does not accept ${dtype} tensors`, {
    hint: 'cast the input to a dtype the operator allows',
  });
}

export const unaryKernel: Kernel<'unary'> = (layer, inputs) => {
  const x = inputs[0];
  const { op } = layer.params;
  if (!x) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `unary '${op}' needs an input`);
  if (x.dtype === 'string') throw unsupported(op, x.dtype);
  if (op === 'is_nan') return [boolResult(x, Number.isNaN)];
  if (op === 'is_inf') {
    const pos = layer.params.detectPositive ?? true;
    const neg = layer.params.detectNegative ?? true;
    return [boolResult(x, (v) => (pos && v === Infinity) || (neg && v === -Infinity))];
  }
  if (op === 'not') {
    if (x.dtype !== 'bool') throw unsupported(op, x.dtype);
    return [boolResult(x, (v) => v === 0)];
  }
  const info = dtypeInfo(x.dtype);
  if (needsBigInt(x.dtype)) {
    const fn = BIGINT_FNS[op];
    if (!fn) throw unsupported(op, x.dtype);
    return [fromBigInts(x.dtype, x.shape, bigints(x).map(fn))];
  }
  const fn = info.isInteger ? INTEGER_FNS[op] : info.isFloat ? FLOAT_FNS[op] : undefined;
  if (!fn) throw unsupported(op, x.dtype);
  return [fromNumbers(x.dtype, x.shape, numbers(x).map(fn))];
};
