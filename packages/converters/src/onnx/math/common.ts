/**
 * Helpers shared by the ONNX math converters: dtype classes and validators, small constant
 * tensors, and reading constant integer inputs.
 */

import { broadcastSymbolic, type DType, normalizeAxis, type Shape, Tensor } from '@kiln-inference/core';
import { type ConversionContext, type Converter, SUPPORTED, type Support, unsupported, type ValidationContext } from '../../converter.js';
import { ONNX_TYPE_CODES } from '../onnx-type-codes.js';

export const FLOAT_TYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'float64'];
export const SIGNED_INT_TYPES: readonly DType[] = ['int8', 'int16', 'int32', 'int64'];
export const UNSIGNED_INT_TYPES: readonly DType[] = ['uint8', 'uint16', 'uint32', 'uint64'];
export const INT_TYPES: readonly DType[] = [...SIGNED_INT_TYPES, ...UNSIGNED_INT_TYPES];
export const NUMERIC_TYPES: readonly DType[] = [...FLOAT_TYPES, ...INT_TYPES];
export const SIGNED_NUMERIC_TYPES: readonly DType[] = [...FLOAT_TYPES, ...SIGNED_INT_TYPES];
export const BOOL_TYPES: readonly DType[] = ['bool'];

/** Fails when any of `inputs` has a known dtype outside `allowed`. */
export function checkInputDTypes(ctx: ValidationContext, allowed: readonly DType[], inputs: readonly number[] = [0]): Support {
  for (const i of inputs) {
    const dtype = ctx.inputDType(i);
    if (dtype !== undefined && !allowed.includes(dtype)) {
      return unsupported('unsupported-dtype', `${ctx.node.op} input ${i} has dtype ${dtype}; supported: ${allowed.join(', ')}`);
    }
  }
  return SUPPORTED;
}

/** Combines validators: the first failure wins. */
export function allOf(...checks: (() => Support)[]): Support {
  for (const check of checks) {
    const s = check();
    if (!s.supported) return s;
  }
  return SUPPORTED;
}

/** dtype of input i, or a conversion error naming the node when nothing is known about it. */
export function requireDType(ctx: ConversionContext, i: number): DType {
  const dtype = ctx.inputDType(i);
  if (dtype === undefined)
    throw ctx.error(
      `the dtype of input ${i} ('${ctx.node.inputs[i] ?? ''}') is unknown`,
      'run type inference or declare value_info for it',
    );
  return dtype;
}

/** A scalar constant layer of `dtype` holding `value`. */
export function scalarConstant(ctx: ConversionContext, dtype: DType, value: number, hint?: string): string {
  return ctx.constant(Tensor.fromValues(dtype, [], [value]), hint);
}

/** Integer values of a constant input (axes, k…); undefined when the input is computed at run time. */
export function constantInts(ctx: ValidationContext, i: number): number[] | undefined {
  const t = ctx.constantInput(i);
  return t ? Array.from(t.toFloat64()) : undefined;
}

/** Rank of input i when its shape is known. */
export function knownRank(ctx: ValidationContext, i: number): number | undefined {
  const s = ctx.inputShape(i);
  return s ? s.length : undefined;
}

/** Normalises axes against a known rank (kernels handle negative axes otherwise). */
export function normalizeAxes(ctx: ValidationContext, axes: number[], rank: number | undefined): number[] {
  if (rank === undefined) return axes;
  return axes.map((a) => normalizeAxis(a, rank, { node: { name: ctx.node.name, op: ctx.node.op } }));
}

/** Broadcast shape of known input shapes (null when any is unknown). */
export function broadcastOutputShape(ctx: ValidationContext, inputs: readonly number[]): Shape | null {
  let shape: Shape | null = [];
  for (const i of inputs) {
    const s = ctx.inputShape(i);
    if (!s || !shape) return null;
    shape = broadcastSymbolic(shape, s);
  }
  return shape;
}

/** A standard-domain ONNX converter. */
export function onnxConverter(
  op: string,
  convert: (ctx: ConversionContext) => void,
  options: {
    since?: number;
    until?: number;
    validate?: (ctx: ValidationContext) => Support;
    dtypes?: readonly DType[];
    restrictions?: string;
  } = {},
): Converter {
  const c: Converter = { domain: 'ai.onnx', op, convert };
  if (options.since !== undefined) c.sinceVersion = options.since;
  if (options.until !== undefined) c.untilVersion = options.until;
  if (options.validate) c.validate = options.validate;
  if (options.dtypes) c.dtypes = options.dtypes;
  if (options.restrictions) c.restrictions = options.restrictions;
  return c;
}

/** TensorProto.DataType enum names, indexed by code. */
const ONNX_TYPE_NAMES = [
  'UNDEFINED',
  'FLOAT',
  'UINT8',
  'INT8',
  'UINT16',
  'INT16',
  'INT32',
  'INT64',
  'STRING',
  'BOOL',
  'FLOAT16',
  'DOUBLE',
  'UINT32',
  'UINT64',
  'COMPLEX64',
  'COMPLEX128',
  'BFLOAT16',
  'FLOAT8E4M3FN',
  'FLOAT8E4M3FNUZ',
  'FLOAT8E5M2',
  'FLOAT8E5M2FNUZ',
  'UINT4',
  'INT4',
  'FLOAT4E2M1',
  'FLOAT8E8M0',
  'UINT2',
  'INT2',
];

/**
 * A data-type attribute (Cast 'to', EyeLike 'dtype', output_dtype …): importers store the ONNX
 * code as an int, builders may store a kiln dtype. undefined when absent, 'invalid' when the
 * code names a type kiln cannot represent.
 */
export function dtypeAttr(ctx: ValidationContext, name: string): DType | undefined | 'invalid' {
  const a = ctx.attrs.raw(name);
  if (a === undefined) return undefined;
  if (a.kind === 'type') return a.value;
  if (a.kind === 'int') return ONNX_TYPE_CODES[a.value] ?? 'invalid';
  // Cast-1 named the type as a string ('FLOAT', 'INT64', …): the enum names of the same codes.
  if (a.kind === 'string') {
    const code = ONNX_TYPE_NAMES.indexOf(a.value.toUpperCase());
    return code > 0 ? (ONNX_TYPE_CODES[code] ?? 'invalid') : 'invalid';
  }
  return 'invalid';
}

/**
 * Reshapes input `index` so numpy broadcasting aligns its dims starting at `axis` of a rank-`rank`
 * operand (ONNX opset < 7 `broadcast=1, axis=…`, and PRelu's per-channel slope before opset 7):
 * trailing size-1 dims are appended. Constants are reshaped in place; run-time tensors get a
 * shuffle layer whose 0 dims copy the input's.
 */
export function alignAtAxis(ctx: ConversionContext, index: number, axis: number, rank: number): string {
  const constant = ctx.constantInput(index);
  const shape = constant ? constant.shape : ctx.inputShape(index);
  if (!shape) throw ctx.error(`input ${index} needs a known rank to broadcast along axis ${axis}`, 'declare the input shape');
  const trailing = rank - axis - shape.length;
  if (trailing < 0) throw ctx.error(`input ${index} of rank ${shape.length} does not fit at axis ${axis} of a rank-${rank} operand`);
  if (trailing === 0) return ctx.input(index);
  const ones = new Array<number>(trailing).fill(1);
  if (constant) return ctx.constant(new Tensor(constant.dtype, [...constant.shape, ...ones], constant.data));
  const dims = [...shape.map(() => 0), ...ones];
  return ctx.addLayer('shuffle', { reshape: dims }, [ctx.input(index)], [{ dtype: requireDType(ctx, index) }])[0]!;
}
