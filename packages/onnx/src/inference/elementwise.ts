/** Element-wise ops: same-shape unary ops, broadcasting binary and variadic ops, comparisons, Where, Cast. */
import { broadcastSymbolic, type Dim, type DType, type Shape } from '@kiln-inference/core';
import { onnxDTypeToKiln } from '../dtypes.js';
import { type InferenceRule, type KnownValue, type NodeView, type TensorInfo, tensor } from './context.js';
import { passContainer } from './sequence.js';

const SAME_AS_INPUT = [
  'Abs',
  'Neg',
  'Floor',
  'Ceil',
  'Round',
  'Sqrt',
  'Reciprocal',
  'Exp',
  'Log',
  'Sigmoid',
  'Tanh',
  'Relu',
  'LeakyRelu',
  'Elu',
  'Selu',
  'Celu',
  'HardSigmoid',
  'HardSwish',
  'Softplus',
  'Softsign',
  'Sin',
  'Cos',
  'Tan',
  'Asin',
  'Acos',
  'Atan',
  'Sinh',
  'Cosh',
  'Asinh',
  'Acosh',
  'Atanh',
  'Erf',
  'Sign',
  'Gelu',
  'Mish',
  'ThresholdedRelu',
  'Shrink',
  'Identity',
  'Clip',
  'Softmax',
  'LogSoftmax',
  'Hardmax',
  'InstanceNormalization',
  'LRN',
  'LpNormalization',
  'MeanVarianceNormalization',
  'GroupNormalization',
  'CumSum',
  'ReverseSequence',
  'Trilu',
  'BitwiseNot',
  'Not',
  // PRelu's slope broadcasts into X (per channel before opset 7), so X's shape is the output's.
  'PRelu',
  'Swish',
] as const;

const BROADCAST_SAME_DTYPE = [
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Mod',
  'BitShift',
  'BitwiseAnd',
  'BitwiseOr',
  'BitwiseXor',
  'Max',
  'Min',
  'Sum',
  'Mean',
  'And',
  'Or',
  'Xor',
] as const;
const COMPARISONS = ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual'] as const;

/** Broadcast of every present input's shape; null when any is unknown. */
export function broadcastInputs(v: NodeView, indices: number[]): Shape | null {
  let out: Shape = [];
  for (const i of indices) {
    const s = v.shape(i);
    if (s === null) return null;
    out = broadcastSymbolic(out, s);
  }
  return out;
}

function presentInputs(v: NodeView): number[] {
  return v.node.inputs.map((name, i) => (name ? i : -1)).filter((i) => i >= 0);
}

const sameAsInput: InferenceRule = (v) => {
  const container = v.node.op === 'Identity' ? passContainer(v) : null;
  if (container) return [container];
  const first: TensorInfo = tensor(v.dtype(0), v.shape(0));
  return v.node.outputs.map((_, i) => (i === 0 ? first : null));
};

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => (b === 0 ? Number.NaN : Math.trunc(a / b)),
};

/** Known integer values through Add/Sub/Mul/Div (shape arithmetic such as `Shape(x)[0] * 2`). */
function foldArithmetic(v: NodeView): KnownValue | undefined {
  const fn = ARITHMETIC[v.node.op];
  const a = v.value(0);
  const b = v.value(1);
  if (!fn || !a || !b) return undefined;
  const n = Math.max(a.dims.length, b.dims.length);
  if ((a.dims.length !== n && a.dims.length !== 1) || (b.dims.length !== n && b.dims.length !== 1)) return undefined;
  const dims: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a.dims[a.dims.length === 1 ? 0 : i]!;
    const y = b.dims[b.dims.length === 1 ? 0 : i]!;
    if (typeof x === 'number' && typeof y === 'number') dims.push(Number.isFinite(fn(x, y)) ? fn(x, y) : null);
    else if ((v.node.op === 'Mul' || v.node.op === 'Div') && y === 1) dims.push(x);
    else if ((v.node.op === 'Add' || v.node.op === 'Sub') && y === 0) dims.push(x);
    else if (v.node.op === 'Mul' && x === 1) dims.push(y);
    else if (v.node.op === 'Add' && x === 0) dims.push(y);
    else dims.push(null);
  }
  return { scalar: a.scalar && b.scalar, dims };
}

const broadcastSame: InferenceRule = (v) => {
  const inputs = presentInputs(v);
  const dtype = inputs.map((i) => v.dtype(i)).find((d) => d !== null) ?? null;
  const info = tensor(dtype, broadcastInputs(v, inputs));
  const value = foldArithmetic(v);
  return [value ? { info, value } : info];
};

const comparison: InferenceRule = (v) => [tensor('bool', broadcastInputs(v, presentInputs(v)))];

const isCheck: InferenceRule = (v) => [tensor('bool', v.shape(0))];

const where: InferenceRule = (v) => [tensor(v.dtype(1) ?? v.dtype(2), broadcastInputs(v, [0, 1, 2]))];

function castTarget(v: NodeView): DType | null {
  const to = v.attr('to', 'int');
  return to === undefined ? null : onnxDTypeToKiln(to);
}

const INTEGER_TYPES: ReadonlySet<DType | null> = new Set(['int64', 'int32', 'int16', 'int8', 'uint64', 'uint32', 'uint16', 'uint8']);

const cast: InferenceRule = (v) => {
  const to = castTarget(v);
  const info = tensor(to, v.shape(0));
  const value = v.value(0);
  // Integer shape values survive casts between integer types unchanged.
  return [value && INTEGER_TYPES.has(to) && INTEGER_TYPES.has(v.dtype(0)) ? { info, value } : info];
};

const castLike: InferenceRule = (v) => [tensor(v.dtype(1), v.shape(0))];

const dropout: InferenceRule = (v) => [tensor(v.dtype(0), v.shape(0)), tensor('bool', v.shape(0))];

export const ELEMENTWISE_RULES: Record<string, InferenceRule> = {
  ...Object.fromEntries(SAME_AS_INPUT.map((op) => [op, sameAsInput])),
  ...Object.fromEntries(BROADCAST_SAME_DTYPE.map((op) => [op, broadcastSame])),
  ...Object.fromEntries(COMPARISONS.map((op) => [op, comparison])),
  IsNaN: isCheck,
  IsInf: isCheck,
  Where: where,
  Cast: cast,
  CastLike: castLike,
  Dropout: dropout,
};
