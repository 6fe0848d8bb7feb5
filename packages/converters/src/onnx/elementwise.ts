/**
 * ONNX binary elementwise ops (arithmetic, comparison, logical, bitwise) and the variadic
 * Sum/Mean/Max/Min, which become chains of binary elementwise layers.
 */
import type { DType, ElementwiseOp } from '@kiln-inference/core';
import { type ConversionContext, type Converter, SUPPORTED, unsupported, type ValidationContext } from '../converter.js';
import {
  alignAtAxis,
  allOf,
  BOOL_TYPES,
  broadcastOutputShape,
  checkInputDTypes,
  FLOAT_TYPES,
  INT_TYPES,
  knownRank,
  NUMERIC_TYPES,
  onnxConverter,
  requireDType,
  scalarConstant,
  UNSIGNED_INT_TYPES,
} from './math/common.js';

interface BinaryEntry {
  op: ElementwiseOp;
  dtypes: readonly DType[];
  /** Comparisons and logical ops produce bool. */
  bool?: boolean;
}

const BINARY_OPS: Record<string, BinaryEntry> = {
  Add: { op: 'add', dtypes: NUMERIC_TYPES },
  Sub: { op: 'sub', dtypes: NUMERIC_TYPES },
  Mul: { op: 'mul', dtypes: NUMERIC_TYPES },
  Div: { op: 'div', dtypes: NUMERIC_TYPES },
  Pow: { op: 'pow', dtypes: NUMERIC_TYPES },
  And: { op: 'and', dtypes: BOOL_TYPES, bool: true },
  Or: { op: 'or', dtypes: BOOL_TYPES, bool: true },
  Xor: { op: 'xor', dtypes: BOOL_TYPES, bool: true },
  Equal: { op: 'equal', dtypes: [...NUMERIC_TYPES, 'bool', 'string'], bool: true },
  Greater: { op: 'greater', dtypes: NUMERIC_TYPES, bool: true },
  GreaterOrEqual: { op: 'greater_equal', dtypes: NUMERIC_TYPES, bool: true },
  Less: { op: 'less', dtypes: NUMERIC_TYPES, bool: true },
  LessOrEqual: { op: 'less_equal', dtypes: NUMERIC_TYPES, bool: true },
  BitwiseAnd: { op: 'bitwise_and', dtypes: INT_TYPES },
  BitwiseOr: { op: 'bitwise_or', dtypes: INT_TYPES },
  BitwiseXor: { op: 'bitwise_xor', dtypes: INT_TYPES },
};

/** Adds one binary elementwise layer; returns its output tensor. */
export function addBinary(
  ctx: ConversionContext,
  op: ElementwiseOp,
  a: string,
  b: string,
  out: { name?: string; dtype: DType },
  fmod?: boolean,
): string {
  const params = fmod === undefined ? { op } : { op, fmod };
  const spec = out.name ? { name: out.name, dtype: out.dtype } : { dtype: out.dtype };
  return ctx.addLayer('elementwise', params, [a, b], [spec])[0]!;
}

function binaryConverter(onnxOp: string, entry: BinaryEntry): Converter {
  return onnxConverter(
    onnxOp,
    (ctx) => {
      const dtype = requireDType(ctx, 0);
      const legacy = legacyBroadcastAxis(ctx);
      const b = legacy === undefined ? ctx.input(1) : alignAtAxis(ctx, 1, legacy.axis, legacy.rank);
      const shape = legacy === undefined ? broadcastOutputShape(ctx, [0, 1]) : (ctx.inputShape(0) ?? null);
      ctx.addLayer(
        'elementwise',
        { op: entry.op },
        [ctx.input(0), b],
        [{ name: ctx.output(0), dtype: entry.bool ? 'bool' : dtype, shape }],
      );
    },
    {
      dtypes: entry.dtypes,
      validate: (ctx) =>
        allOf(
          () => checkInputDTypes(ctx, entry.dtypes, [0, 1]),
          () => checkLegacyBroadcast(ctx),
        ),
    },
  );
}

/**
 * Before opset 7, `broadcast=1, axis=k` aligned B's dims with A's starting at k (numpy aligns
 * trailing dims). Returns the axis and A's rank when B must be re-aligned.
 */
function legacyBroadcastAxis(ctx: ValidationContext): { axis: number; rank: number } | undefined {
  if (ctx.opset >= 7 || ctx.attrs.int('broadcast', 0) !== 1 || !ctx.attrs.has('axis')) return undefined;
  const rank = knownRank(ctx, 0);
  if (rank === undefined) return undefined;
  const axis = ctx.attrs.int('axis', 0);
  return { axis: axis < 0 ? axis + rank : axis, rank };
}

function checkLegacyBroadcast(ctx: ValidationContext) {
  if (ctx.opset >= 7 || ctx.attrs.int('broadcast', 0) !== 1 || !ctx.attrs.has('axis')) return SUPPORTED;
  const rankA = knownRank(ctx, 0);
  const rankB = ctx.constantInput(1)?.rank ?? knownRank(ctx, 1);
  if (rankA === undefined || rankB === undefined) {
    return unsupported('dynamic-shape', `${ctx.node.op} legacy broadcast along an axis needs the ranks of both inputs`);
  }
  const axis = ctx.attrs.int('axis', 0);
  const start = axis < 0 ? axis + rankA : axis;
  if (start < 0 || start + rankB > rankA) {
    return unsupported('unsupported-attribute', `${ctx.node.op} axis ${axis} cannot align a rank-${rankB} B with a rank-${rankA} A`);
  }
  return SUPPORTED;
}

function validateMod(ctx: ValidationContext) {
  return allOf(
    () => checkInputDTypes(ctx, NUMERIC_TYPES, [0, 1]),
    () => {
      const dtype = ctx.inputDType(0);
      const fmod = ctx.attrs.int('fmod', 0);
      if (fmod !== 0 && fmod !== 1) return unsupported('unsupported-attribute', `Mod fmod must be 0 or 1, got ${fmod}`);
      if (dtype && FLOAT_TYPES.includes(dtype) && fmod === 0) {
        return unsupported('unsupported-attribute', 'Mod on floating-point inputs requires fmod=1 (the ONNX spec)');
      }
      return SUPPORTED;
    },
  );
}

const modConverter = onnxConverter(
  'Mod',
  (ctx) => {
    const dtype = requireDType(ctx, 0);
    addBinary(ctx, 'mod', ctx.input(0), ctx.input(1), { name: ctx.output(0), dtype }, ctx.attrs.int('fmod', 0) === 1);
  },
  { dtypes: NUMERIC_TYPES, validate: validateMod },
);

const bitShiftConverter = onnxConverter(
  'BitShift',
  (ctx) => {
    const direction = ctx.attrs.string('direction', '');
    const op: ElementwiseOp = direction === 'LEFT' ? 'bit_shift_left' : 'bit_shift_right';
    addBinary(ctx, op, ctx.input(0), ctx.input(1), { name: ctx.output(0), dtype: requireDType(ctx, 0) });
  },
  {
    dtypes: UNSIGNED_INT_TYPES,
    validate: (ctx) =>
      allOf(
        () => checkInputDTypes(ctx, UNSIGNED_INT_TYPES, [0, 1]),
        () => {
          const d = ctx.attrs.string('direction', '');
          return d === 'LEFT' || d === 'RIGHT'
            ? SUPPORTED
            : unsupported('unsupported-attribute', `BitShift direction must be LEFT or RIGHT, got '${d}'`);
        },
      ),
  },
);

/** Folds N inputs pairwise: ((x0 op x1) op x2) …; the last step writes the node output. */
function foldInputs(ctx: ConversionContext, op: ElementwiseOp, dtype: DType, finalName: string | undefined): string {
  const inputs = ctx.node.inputs.map((_, i) => ctx.input(i)).filter((name) => name !== '');
  let acc = inputs[0]!;
  for (let i = 1; i < inputs.length; i++) {
    const last = i === inputs.length - 1;
    acc = addBinary(ctx, op, acc, inputs[i]!, last && finalName ? { name: finalName, dtype } : { dtype });
  }
  return acc;
}

function variadicConverter(onnxOp: 'Sum' | 'Max' | 'Min' | 'Mean'): Converter {
  const op: ElementwiseOp = onnxOp === 'Max' ? 'max' : onnxOp === 'Min' ? 'min' : 'add';
  // Sum and Mean are defined for floats only; Max and Min for every numeric type.
  const dtypes = op === 'add' ? FLOAT_TYPES : NUMERIC_TYPES;
  return onnxConverter(
    onnxOp,
    (ctx) => {
      const dtype = requireDType(ctx, 0);
      const count = ctx.node.inputs.filter((n) => n !== '').length;
      if (count === 1) {
        ctx.alias(0, ctx.input(0));
        return;
      }
      if (onnxOp !== 'Mean') {
        foldInputs(ctx, op, dtype, ctx.output(0));
        return;
      }
      const sum = foldInputs(ctx, 'add', dtype, undefined);
      addBinary(ctx, 'div', sum, scalarConstant(ctx, dtype, count), { name: ctx.output(0), dtype });
    },
    {
      dtypes,
      validate: (ctx) => {
        const inputs = ctx.node.inputs.map((_, i) => i).filter((i) => ctx.hasInput(i));
        if (inputs.length === 0) return unsupported('other', `${onnxOp} needs at least one input`);
        return checkInputDTypes(ctx, dtypes, inputs);
      },
    },
  );
}

export const elementwiseConverters: readonly Converter[] = [
  ...Object.entries(BINARY_OPS).map(([name, entry]) => binaryConverter(name, entry)),
  modConverter,
  bitShiftConverter,
  variadicConverter('Sum'),
  variadicConverter('Mean'),
  variadicConverter('Max'),
  variadicConverter('Min'),
];
