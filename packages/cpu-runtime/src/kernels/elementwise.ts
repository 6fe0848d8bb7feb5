/**
 * Binary elementwise ops with numpy broadcasting. Floats compute in float64 and round once to
 * the output dtype; 8–32-bit integers compute exactly in float64 (32-bit products through
 * Math.imul) and wrap like C; int64/uint64 compute with bigints. Comparisons and logical ops
 * output bool.
 */
import { type DType, type DTypeInfo, dtypeInfo, type ElementwiseOp, ErrorCode, KilnError, type Layer, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { broadcastIndexMaps } from './util/broadcast.js';
import { bigints, fromBigInts, fromNumbers, needsBigInt, numbers } from './util/values.js';

type Family = 'arithmetic' | 'compare' | 'logical' | 'bitwise' | 'shift';

interface BinaryOpDef {
  family: Family;
  /** Number maths; `t` describes the operand dtype (integer ops need its width). */
  num(a: number, b: number, t: DTypeInfo, fmod: boolean): number | boolean;
  /** Exact maths for int64/uint64. */
  big(a: bigint, b: bigint, t: DTypeInfo, fmod: boolean): bigint | boolean;
}

function integerDiv(a: number, b: number): number {
  // Division by zero is undefined in ONNX; 0 keeps the kernel total instead of producing NaN.
  return b === 0 ? 0 : Math.trunc(a / b);
}

/** Python-style modulo (sign of the divisor) or C fmod (sign of the dividend). */
function numberMod(a: number, b: number, t: DTypeInfo, fmod: boolean): number {
  if (t.isInteger && b === 0) return 0;
  const r = a % b;
  if (fmod || r === 0 || Number.isNaN(r)) return r;
  return r < 0 !== b < 0 ? r + b : r;
}

function bigMod(a: bigint, b: bigint, fmod: boolean): bigint {
  if (b === 0n) return 0n;
  const r = a % b;
  if (fmod || r === 0n) return r;
  return r < 0n !== b < 0n ? r + b : r;
}

/**
 * Integer power modulo 2^bits by square-and-multiply, so huge exponents stay cheap; the result
 * wraps like C (the encoder reinterprets it as signed where the dtype is).
 */
function wrappingPow(a: bigint, b: bigint, bits: number): bigint {
  if (b < 0n) {
    // Negative integer exponents truncate toward zero, as a C integer pow would.
    if (a === 1n) return 1n;
    if (a === -1n) return b % 2n === 0n ? 1n : -1n;
    return 0n;
  }
  let result = 1n;
  let base = BigInt.asUintN(bits, a);
  for (let e = b; e > 0n; e >>= 1n) {
    if (e & 1n) result = BigInt.asUintN(bits, result * base);
    base = BigInt.asUintN(bits, base * base);
  }
  return result;
}

function integerPow(a: number, b: number, t: DTypeInfo): number {
  const r = a ** b;
  if (Number.isSafeInteger(r) || !Number.isInteger(b) || !Number.isInteger(a)) return r;
  return Number(BigInt.asIntN(t.bits, wrappingPow(BigInt(a), BigInt(b), t.bits)));
}

/** bigint has no Math.max/Math.min. */
export function bigMax(a: bigint, b: bigint): bigint {
  if (a >= b) return a;
  return b;
}

export function bigMin(a: bigint, b: bigint): bigint {
  if (a <= b) return a;
  return b;
}

function integerMul(a: number, b: number, t: DTypeInfo): number {
  return t.bits === 32 ? Math.imul(a, b) : a * b;
}

function shiftLeft(a: number, b: number, t: DTypeInfo): number {
  return b >= t.bits ? 0 : (a * 2 ** b) % 2 ** t.bits;
}

const OPS: Record<ElementwiseOp, BinaryOpDef> = {
  add: { family: 'arithmetic', num: (a, b) => a + b, big: (a, b) => a + b },
  sub: { family: 'arithmetic', num: (a, b) => a - b, big: (a, b) => a - b },
  mul: { family: 'arithmetic', num: (a, b, t) => (t.isInteger ? integerMul(a, b, t) : a * b), big: (a, b) => a * b },
  div: { family: 'arithmetic', num: (a, b, t) => (t.isInteger ? integerDiv(a, b) : a / b), big: (a, b) => (b === 0n ? 0n : a / b) },
  pow: { family: 'arithmetic', num: (a, b, t) => (t.isInteger ? integerPow(a, b, t) : a ** b), big: (a, b) => wrappingPow(a, b, 64) },
  max: { family: 'arithmetic', num: (a, b) => Math.max(a, b), big: bigMax },
  min: { family: 'arithmetic', num: (a, b) => Math.min(a, b), big: bigMin },
  mod: { family: 'arithmetic', num: numberMod, big: (a, b, _t, fmod) => bigMod(a, b, fmod) },
  and: { family: 'logical', num: (a, b) => a !== 0 && b !== 0, big: (a, b) => a !== 0n && b !== 0n },
  or: { family: 'logical', num: (a, b) => a !== 0 || b !== 0, big: (a, b) => a !== 0n || b !== 0n },
  xor: { family: 'logical', num: (a, b) => (a !== 0) !== (b !== 0), big: (a, b) => (a !== 0n) !== (b !== 0n) },
  equal: { family: 'compare', num: (a, b) => a === b, big: (a, b) => a === b },
  greater: { family: 'compare', num: (a, b) => a > b, big: (a, b) => a > b },
  greater_equal: { family: 'compare', num: (a, b) => a >= b, big: (a, b) => a >= b },
  less: { family: 'compare', num: (a, b) => a < b, big: (a, b) => a < b },
  less_equal: { family: 'compare', num: (a, b) => a <= b, big: (a, b) => a <= b },
  bit_shift_left: { family: 'shift', num: shiftLeft, big: (a, b) => (b >= 64n ? 0n : a << b) },
  bit_shift_right: {
    family: 'shift',
    num: (a, b, t) => (b >= t.bits ? 0 : Math.floor(a / 2 ** b)),
    big: (a, b) => (b >= 64n ? 0n : a >> b),
  },
  bitwise_and: { family: 'bitwise', num: (a, b) => a & b, big: (a, b) => a & b },
  bitwise_or: { family: 'bitwise', num: (a, b) => a | b, big: (a, b) => a | b },
  bitwise_xor: { family: 'bitwise', num: (a, b) => a ^ b, big: (a, b) => a ^ b },
};

/** The dtype an elementwise op produces from its first operand's dtype. */
export function elementwiseOutputDType(op: ElementwiseOp, input: DType): DType {
  const f = OPS[op].family;
  return f === 'compare' || f === 'logical' ? 'bool' : input;
}

function checkOperands(layer: Layer<'elementwise'>, a: Tensor, b: Tensor): void {
  const { op } = layer.params;
  const family = OPS[op].family;
  if (a.dtype === 'string' || b.dtype === 'string') {
    if (op === 'equal' && a.dtype === b.dtype) return;
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `'${op}' does not accept string tensors`, { hint: 'only equal compares strings' });
  }
  // Pow is the one op whose exponent may have another dtype than its base.
  if (op !== 'pow' && a.dtype !== b.dtype) {
    throw new KilnError(ErrorCode.INVALID_DTYPE, `'${op}' operands have different dtypes (${a.dtype} and ${b.dtype})`, {
      hint: 'insert a cast so both operands share one dtype',
    });
  }
  const t = dtypeInfo(a.dtype);
  if ((family === 'bitwise' || family === 'shift') && !t.isInteger) {
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `'${op}' needs integer operands, got ${a.dtype}`);
  }
  if (family === 'shift' && t.isSigned) {
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `'${op}' needs unsigned operands, got ${a.dtype}`);
  }
}

/** Applies a binary op to two tensors (exported so other kernels can reuse exact semantics). */
export function applyBinary(op: ElementwiseOp, a: Tensor, b: Tensor, fmod = false): Tensor {
  const def = OPS[op];
  const { shape, maps, size } = broadcastIndexMaps([a.shape, b.shape]);
  const [ma, mb] = maps as [Int32Array, Int32Array];
  const outDType = elementwiseOutputDType(op, a.dtype);
  const t = dtypeInfo(a.dtype);
  if (a.dtype === 'string') {
    const da = a.data as string[];
    const db = b.data as string[];
    return new Tensor(
      'bool',
      shape,
      Uint8Array.from({ length: size }, (_, i) => (da[ma[i]!] === db[mb[i]!] ? 1 : 0)),
    );
  }
  if (needsBigInt(a.dtype) && needsBigInt(b.dtype)) {
    const va = bigints(a);
    const vb = bigints(b);
    const out = new Array<bigint | boolean>(size);
    for (let i = 0; i < size; i++) out[i] = def.big(va[ma[i]!]!, vb[mb[i]!]!, t, fmod);
    if (outDType === 'bool')
      return new Tensor(
        'bool',
        shape,
        Uint8Array.from(out, (v) => (v ? 1 : 0)),
      );
    return fromBigInts(outDType, shape, out as bigint[]);
  }
  const va = numbers(a);
  const vb = numbers(b);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = Number(def.num(va[ma[i]!]!, vb[mb[i]!]!, t, fmod));
  if (outDType === 'bool') return new Tensor('bool', shape, Uint8Array.from(out));
  return fromNumbers(outDType, shape, out);
}

export const elementwiseKernel: Kernel<'elementwise'> = (layer, inputs) => {
  const [a, b] = inputs;
  if (!a || !b) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `'${layer.params.op}' needs two inputs`);
  checkOperands(layer, a, b);
  return [applyBinary(layer.params.op, a, b, layer.params.fmod ?? false)];
};
