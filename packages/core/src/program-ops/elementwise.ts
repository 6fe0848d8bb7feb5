/**
 * The elementwise family: binary (numpy broadcast; float and integer), compare, where, cast,
 * activation, unary, channel_affine.
 */
import { int, oneOf, opt, req } from '../layer-defs/param-builders.js';
import type { ActivationSpec } from '../layers.js';
import {
  PROGRAM_BINARY_OPS,
  PROGRAM_COMPARE_OPS,
  PROGRAM_UNARY_OPS,
  type ProgramBinaryOp,
  type ProgramCompareOp,
  type ProgramDType,
  type ProgramUnaryOp,
} from '../program.js';
import { activationType, fusedActivation } from './attribute-types.js';
import { defineProgramOp, type ProgramOpBodyShape, type ProgramOutputRule } from './descriptor.js';
import { ANY_DTYPE, ARITHMETIC_DTYPES, BOOL_DTYPE, NUMERIC_DTYPES } from './dtype-sets.js';
import { type ProgramOpContext, sameCount, sameShape, shapeText } from './op-context.js';

/** numpy broadcast of the named operands, failing on the first that does not fit the ones before it. */
function broadcastOperands(c: ProgramOpContext<ProgramOpBodyShape>, operands: readonly (readonly [string, number])[]): number[] {
  let out: number[] = [];
  const before: string[] = [];
  for (const [field, id] of operands) {
    const s = c.shape(id);
    const rank = Math.max(out.length, s.length);
    const next: number[] = [];
    for (let i = 1; i <= rank; i++) {
      const od = out[out.length - i] ?? 1;
      const sd = s[s.length - i] ?? 1;
      c.require(od === sd || od === 1 || sd === 1, `does not broadcast with ${before.join(' and ')} ${shapeText(out)}`, id);
      next.unshift(od === 1 ? sd : od);
    }
    out = next;
    before.push(field);
  }
  return out;
}

/** binary's and compare's y: the broadcast of a and b. */
const broadcastOfAB = (c: ProgramOpContext<BinaryOp | CompareOp>): ProgramOutputRule => ({
  shape: broadcastOperands(c, [
    ['a', c.op.a],
    ['b', c.op.b],
  ]),
  pattern: 'the broadcast of a and b',
});

/** `activation` only on float32 values. */
export interface BinaryOp {
  op: 'binary';
  type: ProgramBinaryOp;
  a: number;
  b: number;
  y: number;
  activation?: ActivationSpec;
}

export const binary = defineProgramOp<BinaryOp>('binary')({
  summary: "elementwise a ∘ b with numpy broadcasting to y; 'prelu' is a ≥ 0 ? a : a·b",
  operands: [
    { field: 'a', role: 'input', inPlace: 'exact', dtype: ARITHMETIC_DTYPES },
    { field: 'b', role: 'input', inPlace: 'exact', dtype: { same: 'a' } },
    { field: 'y', role: 'output', dtype: { same: 'a' } },
  ],
  attributes: { type: req(oneOf(...PROGRAM_BINARY_OPS)), activation: fusedActivation },
  check(c) {
    if (c.dtype(c.op.a) === 'float32') return;
    c.require(c.op.type !== 'pow' && c.op.type !== 'prelu', `'${c.op.type}' takes float32 operands`, c.op.a);
    c.require(c.op.activation === undefined, 'a fused activation needs float32 operands', c.op.a);
  },
  output: broadcastOfAB,
});

export interface CompareOp {
  op: 'compare';
  type: ProgramCompareOp;
  a: number;
  b: number;
  y: number;
}

export const compare = defineProgramOp<CompareOp>('compare')({
  summary: 'y (bool) = a ∘ b with numpy broadcasting',
  operands: [
    { field: 'a', role: 'input', dtype: NUMERIC_DTYPES },
    { field: 'b', role: 'input', dtype: { same: 'a' } },
    { field: 'y', role: 'output', dtype: BOOL_DTYPE },
  ],
  attributes: { type: req(oneOf(...PROGRAM_COMPARE_OPS)) },
  output: broadcastOfAB,
});

/** y = condition ? a : b, the three broadcast together (ONNX Where). */
export interface WhereOp {
  op: 'where';
  condition: number;
  a: number;
  b: number;
  y: number;
}

export const where = defineProgramOp<WhereOp>('where')({
  summary: 'y = condition ? a : b, the three broadcast together',
  operands: [
    { field: 'condition', role: 'input', dtype: BOOL_DTYPE },
    { field: 'a', role: 'input', dtype: ANY_DTYPE },
    { field: 'b', role: 'input', dtype: { same: 'a' } },
    { field: 'y', role: 'output', dtype: { same: 'a' } },
  ],
  attributes: {},
  output: (c) => ({
    shape: broadcastOperands(c, [
      ['condition', c.op.condition],
      ['a', c.op.a],
      ['b', c.op.b],
    ]),
    pattern: 'the broadcast of condition, a and b',
  }),
});

/**
 * y = x converted to y's dtype (ONNX Cast): float → integer truncates toward zero and
 * saturates at the type's range, NaN → 0 (never undefined behaviour); integer → narrower
 * integer wraps (two's complement); anything → bool is x ≠ 0.
 */
export interface CastOp {
  op: 'cast';
  x: number;
  y: number;
}

export const cast = defineProgramOp<CastOp>('cast')({
  summary: "y = x converted to y's dtype (float → integer truncates; → bool is x ≠ 0)",
  operands: [
    { field: 'x', role: 'input', dtype: ANY_DTYPE },
    { field: 'y', role: 'output', dtype: ANY_DTYPE },
  ],
  attributes: {},
  output: (c) => ({ shape: c.shape(c.op.x), pattern: "x's shape" }),
});

export interface ActivationOp {
  op: 'activation';
  x: number;
  y: number;
  activation: ActivationSpec;
}

export const activation = defineProgramOp<ActivationOp>('activation')({
  summary: 'y = act(x), element by element',
  operands: [
    { field: 'x', role: 'input', inPlace: 'exact' },
    { field: 'y', role: 'output' },
  ],
  attributes: { activation: req(activationType) },
  output: sameCount,
});

export interface UnaryOp {
  op: 'unary';
  type: ProgramUnaryOp;
  x: number;
  y: number;
}

export const unary = defineProgramOp<UnaryOp>('unary')({
  summary: "y = f(x) element by element (ONNX semantics; 'round' is half to even)",
  operands: [
    { field: 'x', role: 'input', inPlace: 'exact' },
    { field: 'y', role: 'output' },
  ],
  attributes: { type: req(oneOf(...PROGRAM_UNARY_OPS)) },
  output: sameCount,
});

/** y = act(x·scale[c] + shift[c]) with c the index along `channelAxis`; scale/shift each optional. */
export interface ChannelAffineOp {
  op: 'channel_affine';
  x: number;
  scale?: number;
  shift?: number;
  y: number;
  channelAxis: number;
  activation?: ActivationSpec;
}

export const channel_affine = defineProgramOp<ChannelAffineOp>('channel_affine')({
  summary: 'y = act(x·scale[c] + shift[c]) with c the index along channelAxis',
  operands: [
    { field: 'x', role: 'input', inPlace: 'exact' },
    { field: 'scale', role: 'weight', optional: true },
    { field: 'shift', role: 'weight', optional: true },
    { field: 'y', role: 'output' },
  ],
  attributes: { channelAxis: req(int(0)), activation: opt(activationType) },
  check(c) {
    const { op } = c;
    const xs = c.shape(op.x);
    c.require(op.channelAxis < xs.length, `channelAxis ${op.channelAxis} is not an axis of x`, op.x);
    const channels = xs[op.channelAxis]!;
    for (const [field, id] of [
      ['scale', op.scale],
      ['shift', op.shift],
    ] as const) {
      if (id !== undefined) c.require(c.size(id) === channels, `${field} must have one value per channel (${channels})`, id);
    }
  },
  output: (c) => ({ shape: c.shape(c.op.x), pattern: "x's shape" }),
});

/** The quantized types: quantize's y, dequantize's x, and their zero points. */
const QUANTIZED_DTYPES: readonly ProgramDType[] = ['int8', 'uint8'];

/**
 * The quantization parameters of x: per tensor when scale has one element ([] or [1]); otherwise
 * per axis, scale [n] with n = x's dim at `axis`. A zero point is one element too ([] or [1],
 * either with either: ONNX models mix them) or has the per-axis scale's shape.
 */
function checkQuantizationParams(c: ProgramOpContext<QuantizeOp | DequantizeOp>): void {
  const data = c.op.x;
  const { op } = c;
  const ss = c.shape(op.scale);
  if (c.size(op.scale) === 1) {
    c.require(ss.length <= 1, `a per-tensor scale must be a scalar or [1], got ${shapeText(ss)}`, op.scale);
  } else {
    const ds = c.shape(data);
    const axis = c.axis(op.axis, ds.length, data);
    c.require(
      ss.length === 1 && ss[0] === ds[axis],
      `a per-axis scale must be [${ds[axis]}] (one value per index of axis ${axis}), got ${shapeText(ss)}`,
      op.scale,
    );
  }
  if (op.zeroPoint !== undefined) {
    const zs = c.shape(op.zeroPoint);
    if (c.size(op.scale) === 1) {
      c.require(
        c.size(op.zeroPoint) === 1 && zs.length <= 1,
        `a per-tensor zero point must be a scalar or [1], got ${shapeText(zs)}`,
        op.zeroPoint,
      );
    } else {
      c.require(sameShape(zs, ss), `the zero point must have the scale's shape ${shapeText(ss)}`, op.zeroPoint);
    }
  }
}

/**
 * ONNX QuantizeLinear to int8/uint8: y = saturate(round_half_even(x / scale) + zeroPoint), the
 * quotient in float32; NaN gives 0 and an absent zero point is 0. Per tensor or per axis
 * (checkQuantizationParams).
 */
export interface QuantizeOp {
  op: 'quantize';
  x: number;
  scale: number;
  zeroPoint?: number;
  y: number;
  /** The axis of per-axis parameters (unused per tensor). */
  axis: number;
}

export const quantize = defineProgramOp<QuantizeOp>('quantize')({
  summary: 'ONNX QuantizeLinear: y = saturate(round_half_even(x / scale) + zeroPoint) to int8/uint8, per tensor or per axis',
  operands: [
    { field: 'x', role: 'input' },
    { field: 'scale', role: 'weight' },
    { field: 'zeroPoint', role: 'weight', optional: true, dtype: { same: 'y' } },
    { field: 'y', role: 'output', dtype: QUANTIZED_DTYPES },
  ],
  attributes: { axis: req(int()) },
  check: checkQuantizationParams,
  output: (c) => ({ shape: c.shape(c.op.x), pattern: "x's shape" }),
});

/**
 * ONNX DequantizeLinear from int8/uint8: y = (x − zeroPoint) · scale, rounded once to float32;
 * an absent zero point is 0. Per tensor or per axis (checkQuantizationParams).
 */
export interface DequantizeOp {
  op: 'dequantize';
  x: number;
  scale: number;
  zeroPoint?: number;
  y: number;
  /** The axis of per-axis parameters (unused per tensor). */
  axis: number;
}

export const dequantize = defineProgramOp<DequantizeOp>('dequantize')({
  summary: 'ONNX DequantizeLinear: y = (x − zeroPoint) · scale from int8/uint8, per tensor or per axis',
  operands: [
    { field: 'x', role: 'input', dtype: QUANTIZED_DTYPES },
    { field: 'scale', role: 'weight' },
    { field: 'zeroPoint', role: 'weight', optional: true, dtype: { same: 'x' } },
    { field: 'y', role: 'output' },
  ],
  attributes: { axis: req(int()) },
  check: checkQuantizationParams,
  output: (c) => ({ shape: c.shape(c.op.x), pattern: "x's shape" }),
});
