/**
 * LayerDefs of layers that compute each output element from the matching (broadcast) input
 * elements: constants, casts, activations, unary and binary math, scale, select and Q/DQ.
 */
import type { DType } from '../dtype.js';
import { ErrorCode, KilnError } from '../errors.js';
import type { LayerDef, ValueFacts } from '../layer-def.js';
import { ACTIVATION_TYPES, type ElementwiseOp, type UnaryOp } from '../layers.js';
import { type Dim, formatShape, type Shape } from '../shape.js';
import { castTensor } from '../tensor.js';
import { axisIn, broadcastDims, dimsCompatible, staticDims } from './dims.js';
import { requiredInput, requireSameDType } from './input-facts.js';
import { bigMax, bigMin, integerTensor, isShapeArithmeticDType, MAX_KNOWN_ELEMENTS, smallIntegerValue, withValue } from './known-values.js';
import { allOf, bool, dtype, int, nullable, number, oneOf, opt, req, tensor } from './param-builders.js';

export const UNARY_OPS = allOf<UnaryOp>()(
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

export const ELEMENTWISE_OPS = allOf<ElementwiseOp>()(
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

/** Binary ops whose result is bool whatever the operands are. */
const BOOL_RESULT_OPS = new Set<ElementwiseOp>(['and', 'or', 'xor', 'equal', 'greater', 'greater_equal', 'less', 'less_equal']);
/** Unary ops whose result is bool. */
const BOOL_RESULT_UNARY = new Set<UnaryOp>(['not', 'is_nan', 'is_inf']);

export const activationFields = {
  type: req(oneOf(...ACTIVATION_TYPES)),
  alpha: opt(number),
  beta: opt(number),
};

const same = (x: ValueFacts): ValueFacts => ({ dtype: x.dtype, shape: x.shape });

/** Broadcast of every present input's shape; unknown when any rank is unknown. */
function broadcastOf(inputs: readonly (ValueFacts | undefined)[], indices: readonly number[]): Shape | null {
  const shapes: Shape[] = [];
  for (const i of indices) {
    const s = inputs[i]?.shape;
    if (inputs[i] && !s) return null;
    if (s) shapes.push(s);
  }
  return broadcastDims(shapes);
}

/** Shape arithmetic on known small integer operands (what exporters emit around Reshape). */
function binaryIntegerValue(op: ElementwiseOp, fmod: boolean, a: ValueFacts, b: ValueFacts, out: ValueFacts) {
  const va = smallIntegerValue(a);
  const vb = smallIntegerValue(b);
  const shape = staticDims(out.shape);
  if (!va || !vb || !shape || shape.reduce((p, d) => p * d, 1) > MAX_KNOWN_ELEMENTS) return undefined;
  const f = integerOp(op, fmod);
  if (!f) return undefined;
  const size = shape.reduce((p, d) => p * d, 1);
  const values: bigint[] = [];
  for (let i = 0; i < size; i++) {
    const r = f(va.values[broadcastIndex(i, shape, va.shape)]!, vb.values[broadcastIndex(i, shape, vb.shape)]!);
    if (r === undefined) return undefined;
    values.push(r);
  }
  return integerTensor(out.dtype, shape, values);
}

/** Flat index into an operand of shape `from` broadcast to `to`, for flat output index `i`. */
function broadcastIndex(i: number, to: readonly number[], from: readonly number[]): number {
  let index = 0;
  let stride = 1;
  let rem = i;
  for (let d = to.length - 1; d >= 0; d--) {
    const coord = rem % to[d]!;
    rem = Math.floor(rem / to[d]!);
    const fd = d - (to.length - from.length);
    if (fd >= 0) {
      if (from[fd] !== 1) index += coord * stride;
      stride *= from[fd]!;
    }
  }
  return index;
}

/**
 * Elements of a small 1-D or scalar integer operand as dims: its known value, else its symbolic
 * `dims` (what `shape` of a tensor with symbolic dims carries), else null.
 */
function operandDims(f: ValueFacts): Dim[] | null {
  const v = smallIntegerValue(f);
  if (v && v.shape.length <= 1) return v.values.map(Number);
  return f.dims && (f.shape?.length ?? 2) <= 1 ? [...f.dims] : null;
}

/** One dim of shape arithmetic: exact on numbers, identities (x+0, x·1, x/1) keep a symbol, else null. */
function dimArithmetic(op: ElementwiseOp, x: Dim, y: Dim): Dim {
  if (typeof x === 'number' && typeof y === 'number') {
    if (op === 'add') return x + y;
    if (op === 'sub') return x - y;
    if (op === 'mul') return x * y;
    if (op === 'div') return y === 0 ? null : Math.trunc(x / y);
    return null;
  }
  if ((op === 'add' || op === 'sub') && y === 0) return x;
  if (op === 'add' && x === 0) return y;
  if ((op === 'mul' || op === 'div') && y === 1) return x;
  if (op === 'mul' && x === 1) return y;
  return null;
}

/** Shape arithmetic over operands with symbolic dims (Shape → Mul → Reshape keeps 'N'). */
function binaryDims(op: ElementwiseOp, a: ValueFacts, bIn: ValueFacts): Dim[] | null {
  if (op !== 'add' && op !== 'sub' && op !== 'mul' && op !== 'div') return null;
  const x = operandDims(a);
  const y = operandDims(bIn);
  if (!x || !y || (!a.dims && !bIn.dims)) return null;
  const length = x.length === y.length ? x.length : x.length === 1 ? y.length : y.length === 1 ? x.length : -1;
  if (length < 0) return null;
  return Array.from({ length }, (_, i) => dimArithmetic(op, x[x.length === 1 ? 0 : i]!, y[y.length === 1 ? 0 : i]!));
}

/** Facts with symbolic element dims attached, or a known value when every dim came out a number. */
function withDims(f: ValueFacts, dims: readonly Dim[] | null): ValueFacts {
  if (!dims) return f;
  const shape = staticDims(f.shape);
  if (shape && dims.every((d): d is number => typeof d === 'number')) {
    return withValue(
      f,
      integerTensor(
        f.dtype,
        shape,
        dims.map((d) => BigInt(d)),
      ),
    );
  }
  return { ...f, dims };
}

const b = (v: boolean): bigint => (v ? 1n : 0n);

function integerOp(op: ElementwiseOp, fmod: boolean): ((x: bigint, y: bigint) => bigint | undefined) | undefined {
  switch (op) {
    case 'add':
      return (x, y) => x + y;
    case 'sub':
      return (x, y) => x - y;
    case 'mul':
      return (x, y) => x * y;
    case 'div':
      // BigInt division truncates toward zero, as integer Div does; x/0 is left to run time.
      return (x, y) => (y === 0n ? undefined : x / y);
    case 'mod':
      return (x, y) => {
        if (y === 0n) return undefined;
        const r = x % y;
        return fmod || r === 0n || r < 0n === y < 0n ? r : r + y;
      };
    case 'max':
      return bigMax;
    case 'min':
      return bigMin;
    case 'equal':
      return (x, y) => b(x === y);
    case 'greater':
      return (x, y) => b(x > y);
    case 'greater_equal':
      return (x, y) => b(x >= y);
    case 'less':
      return (x, y) => b(x < y);
    case 'less_equal':
      return (x, y) => b(x <= y);
    case 'and':
      return (x, y) => b(x !== 0n && y !== 0n);
    case 'or':
      return (x, y) => b(x !== 0n || y !== 0n);
    case 'xor':
      return (x, y) => b((x !== 0n) !== (y !== 0n));
    default:
      return undefined;
  }
}

/** neg and abs of small known integers (and abs of symbolic dims, which are never negative). */
function unaryIntegerFacts(op: UnaryOp, x: ValueFacts, out: ValueFacts): ValueFacts {
  if (op !== 'neg' && op !== 'abs') return out;
  const v = smallIntegerValue(x);
  const shape = staticDims(x.shape);
  if (v && shape && x.dtype !== 'bool') {
    return withValue(
      out,
      integerTensor(
        out.dtype,
        shape,
        v.values.map((e) => (op === 'neg' || e < 0n ? -e : e)),
      ),
    );
  }
  if (x.dims)
    return { ...out, dims: x.dims.map((d) => (typeof d === 'number' ? (op === 'neg' ? -d : Math.abs(d)) : op === 'abs' ? d : null)) };
  return out;
}

const quantizationParams = {
  axis: req(nullable(int())),
  blockSize: opt(int(0), 0),
  quantizedType: req(dtype),
  floatType: req(dtype),
  saturate: opt(bool, true),
};

export const POINTWISE_DEFS: {
  readonly [K in
    | 'constant'
    | 'identity'
    | 'cast'
    | 'activation'
    | 'parametric_relu'
    | 'unary'
    | 'elementwise'
    | 'scale'
    | 'select'
    | 'quantize'
    | 'dequantize']: LayerDef<K>;
} = {
  constant: {
    kind: 'constant',
    summary: 'Outputs a constant tensor (weights, biases, any build-time value).',
    params: { value: req(tensor) },
    inputs: [],
    outputs: [{ name: 'value' }],
    traits: { foldable: true, deterministic: true },
    infer: ({ layer }) => {
      const v = layer.params.value;
      return [{ dtype: v.dtype, shape: v.shape, value: v }];
    },
  },

  identity: {
    kind: 'identity',
    summary: 'Passes its input through unchanged.',
    params: {},
    inputs: [{ name: 'x', role: 'data' }],
    outputs: [{ name: 'y' }],
    traits: { view: true, inPlace: true, foldable: true, deterministic: true },
    infer: ({ inputs }) => [{ ...requiredInput(inputs, 0, 'x') }],
  },

  cast: {
    kind: 'cast',
    summary: 'Converts elements to another dtype (ONNX Cast; saturate applies to float8 targets).',
    params: { to: req(dtype), saturate: opt(bool, true) },
    inputs: [{ name: 'x', role: 'data' }],
    outputs: [{ name: 'y' }],
    traits: { elementwise: true, foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => {
      const x = requiredInput(inputs, 0, 'x');
      const out: ValueFacts = { dtype: layer.params.to, shape: x.shape };
      const v = x.value;
      const cheap = v && v.size <= MAX_KNOWN_ELEMENTS && smallIntegerValue(x) !== null;
      if (cheap) return [withValue(out, castTensor(v, layer.params.to, { saturate: layer.params.saturate ?? true }))];
      // Symbolic shape elements stay what they are between integer types.
      return [x.dims && isShapeArithmeticDType(layer.params.to) && layer.params.to !== 'bool' ? { ...out, dims: x.dims } : out];
    },
  },

  activation: {
    kind: 'activation',
    summary: 'Applies an activation function elementwise (relu, sigmoid, gelu, clip, …).',
    params: {
      type: activationFields.type,
      alpha: activationFields.alpha,
      beta: activationFields.beta,
    },
    inputs: [{ name: 'x', role: 'data' }],
    outputs: [{ name: 'y' }],
    traits: { elementwise: true, inPlace: true, foldable: true, deterministic: true },
    infer: ({ inputs }) => [same(requiredInput(inputs, 0, 'x'))],
  },

  parametric_relu: {
    kind: 'parametric_relu',
    summary: 'y = x < 0 ? slope·x : x with slope broadcast to x (ONNX PRelu).',
    params: {},
    inputs: [
      { name: 'x', role: 'data' },
      { name: 'slope', role: 'weight' },
    ],
    outputs: [{ name: 'y' }],
    traits: { elementwise: true, inPlace: true, foldable: true, deterministic: true },
    infer: ({ inputs }) => {
      const x = requiredInput(inputs, 0, 'x');
      const slope = requiredInput(inputs, 1, 'slope');
      if (x.shape && slope.shape) {
        // The slope broadcasts to x (unidirectionally): the output keeps x's shape.
        const out = broadcastDims([x.shape, slope.shape]);
        if (out.length !== x.shape.length || !out.every((d, i) => dimsCompatible(d, x.shape![i]!))) {
          throw new KilnError(
            ErrorCode.SHAPE_MISMATCH,
            `slope ${formatShape(slope.shape)} does not broadcast to x ${formatShape(x.shape)}`,
            {
              hint: 'the slope needs x’s rank or fewer dims, each 1 or equal to x’s',
            },
          );
        }
      }
      return [same(x)];
    },
  },

  unary: {
    kind: 'unary',
    summary: 'Applies a unary math function elementwise (abs, exp, sqrt, not, is_nan, …).',
    params: { op: req(oneOf(...UNARY_OPS)), detectPositive: opt(bool, true), detectNegative: opt(bool, true) },
    inputs: [{ name: 'x', role: 'data' }],
    outputs: [{ name: 'y' }],
    traits: { elementwise: true, foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => {
      const x = requiredInput(inputs, 0, 'x');
      const out: ValueFacts = { dtype: BOOL_RESULT_UNARY.has(layer.params.op) ? 'bool' : x.dtype, shape: x.shape };
      return [unaryIntegerFacts(layer.params.op, x, out)];
    },
  },

  elementwise: {
    kind: 'elementwise',
    summary: 'Binary math, comparison or logic with numpy broadcasting; comparisons and logic give bool.',
    params: { op: req(oneOf(...ELEMENTWISE_OPS)), fmod: opt(bool, false) },
    inputs: [
      { name: 'a', role: 'data' },
      { name: 'b', role: 'data' },
    ],
    outputs: [{ name: 'y' }],
    traits: { elementwise: true, foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => {
      const a = requiredInput(inputs, 0, 'a');
      const bIn = requiredInput(inputs, 1, 'b');
      const { op, fmod } = layer.params;
      // Pow's exponent may have its own type (ONNX Pow T, T1).
      if (op !== 'pow') requireSameDType(inputs, [0, 1], `elementwise ${op}`);
      const dtype: DType = BOOL_RESULT_OPS.has(op) ? 'bool' : a.dtype;
      const out: ValueFacts = { dtype, shape: broadcastOf(inputs, [0, 1]) };
      const value = binaryIntegerValue(op, fmod ?? false, a, bIn, out);
      if (value) return [withValue(out, value)];
      return [isShapeArithmeticDType(dtype) && dtype !== 'bool' ? withDims(out, binaryDims(op, a, bIn)) : out];
    },
  },

  scale: {
    kind: 'scale',
    summary: 'y = (x·scale + shift)^power per tensor, per channel or elementwise (batch norm folds here).',
    params: { mode: req(oneOf('uniform', 'channel', 'elementwise')), channelAxis: req(int()) },
    inputs: [
      { name: 'x', role: 'data' },
      { name: 'shift', role: 'weight', optional: true },
      { name: 'scale', role: 'weight', optional: true },
      { name: 'power', role: 'weight', optional: true },
    ],
    outputs: [{ name: 'y' }],
    traits: { elementwise: true, foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => {
      const x = requiredInput(inputs, 0, 'x');
      const { mode, channelAxis } = layer.params;
      if (mode === 'elementwise') return [{ dtype: x.dtype, shape: broadcastOf(inputs, [0, 1, 2, 3]) }];
      if (mode === 'channel' && x.shape) {
        const axis = axisIn(channelAxis, x.shape.length, 'channelAxis');
        const channels = x.shape[axis]!;
        for (const [i, name] of [
          [1, 'shift'],
          [2, 'scale'],
          [3, 'power'],
        ] as const) {
          const count = staticDims(inputs[i]?.shape ?? null)?.reduce((p, d) => p * d, 1);
          if (count !== undefined && typeof channels === 'number' && count !== channels) {
            throw new KilnError(ErrorCode.SHAPE_MISMATCH, `${name} has ${count} elements but channel axis ${axis} has ${channels}`, {
              hint: 'per-channel parameters need one value per channel',
            });
          }
        }
      }
      return [same(x)];
    },
  },

  select: {
    kind: 'select',
    summary: 'y = condition ? a : b with numpy broadcasting of all three (ONNX Where).',
    params: {},
    inputs: [
      { name: 'condition', role: 'data' },
      { name: 'a', role: 'data' },
      { name: 'b', role: 'data' },
    ],
    outputs: [{ name: 'y' }],
    traits: { elementwise: true, foldable: true, deterministic: true },
    infer: ({ inputs }) => {
      requiredInput(inputs, 0, 'condition');
      const a = requiredInput(inputs, 1, 'a');
      requiredInput(inputs, 2, 'b');
      requireSameDType(inputs, [1, 2], 'select');
      return [{ dtype: a.dtype, shape: broadcastOf(inputs, [0, 1, 2]) }];
    },
  },

  quantize: {
    kind: 'quantize',
    summary: 'q = saturate(round(x / scale) + zeroPoint) per tensor, axis or block (ONNX QuantizeLinear).',
    params: quantizationParams,
    inputs: [
      { name: 'x', role: 'data' },
      { name: 'scale', role: 'weight' },
      { name: 'zeroPoint', role: 'weight', optional: true },
    ],
    outputs: [{ name: 'q' }],
    traits: { elementwise: true, foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => [{ dtype: layer.params.quantizedType, shape: requiredInput(inputs, 0, 'x').shape }],
  },

  dequantize: {
    kind: 'dequantize',
    summary: 'x = (q − zeroPoint)·scale per tensor, axis or block (ONNX DequantizeLinear).',
    params: quantizationParams,
    inputs: [
      { name: 'q', role: 'data' },
      { name: 'scale', role: 'weight' },
      { name: 'zeroPoint', role: 'weight', optional: true },
    ],
    outputs: [{ name: 'x' }],
    traits: { elementwise: true, foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => [{ dtype: layer.params.floatType, shape: requiredInput(inputs, 0, 'q').shape }],
  },
};
