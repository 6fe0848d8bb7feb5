/**
 * LayerDefs of the ONNX tensor-sequence layers. A sequence's facts carry valueKind 'sequence'
 * and describe its elements: their dtype, and the dims every element shares (null where
 * elements differ or nothing is known). Sequence lengths are run-time facts, so a dim that
 * counts elements (concat_from_sequence's axis) is null.
 */

import type { DType } from '../dtype.js';
import { ErrorCode, KilnError } from '../errors.js';
import type { LayerDef, ValueFacts } from '../layer-def.js';
import { type Dim, formatShape, type Shape } from '../shape.js';
import { axisIn, dimProduct, dimsCompatible, knownIntValues } from './dims.js';
import { requiredInput, requireSameDType } from './input-facts.js';
import { axis, bool, dtype, req } from './param-builders.js';

type SequenceKind =
  | 'sequence_construct'
  | 'sequence_empty'
  | 'sequence_at'
  | 'sequence_insert'
  | 'sequence_erase'
  | 'sequence_length'
  | 'split_to_sequence'
  | 'concat_from_sequence';

const TRAITS = { foldable: false, deterministic: true } as const;

function fail(code: ErrorCode, message: string, hint: string): KilnError {
  return new KilnError(code, message, { hint });
}

function sequenceFacts(dtype: DType, elementShape: Shape | null): ValueFacts {
  return { dtype, shape: elementShape, valueKind: 'sequence' };
}

/** Facts of required input `index`, which must be a sequence. */
function sequenceInput(inputs: readonly (ValueFacts | undefined)[], index: number, name: string): ValueFacts {
  const f = requiredInput(inputs, index, name);
  if (f.valueKind !== 'sequence') {
    throw fail(
      ErrorCode.INVALID_ARGUMENT,
      `input ${index} (${name}) must be a tensor sequence but is a tensor`,
      'produce it with a sequence layer',
    );
  }
  return f;
}

/** Facts of input `index`, which must be a tensor when present. */
function tensorInput(inputs: readonly (ValueFacts | undefined)[], index: number, name: string): ValueFacts {
  const f = requiredInput(inputs, index, name);
  if (f.valueKind === 'sequence') {
    throw fail(
      ErrorCode.INVALID_ARGUMENT,
      `input ${index} (${name}) must be a tensor but is a sequence`,
      'take an element with sequence_at first',
    );
  }
  return f;
}

/** The dims shared by every element: equal dims stay, others (or differing ranks) become unknown. */
function sharedShape(shapes: readonly (Shape | null)[]): Dim[] | null {
  const first = shapes[0];
  if (!first || shapes.some((s) => !s || s.length !== first.length)) return null;
  return first.map((d, i) => (shapes.every((s) => s![i] === d) ? d : null));
}

/** Checks an optional position operand: int32/int64 and one element. */
function checkPosition(f: ValueFacts | undefined): void {
  if (!f) return;
  if (f.dtype !== 'int32' && f.dtype !== 'int64') {
    throw fail(ErrorCode.INVALID_DTYPE, `position must be int32 or int64, got ${f.dtype}`, 'cast the position to int64');
  }
  if (f.shape && !dimsCompatible(dimProduct(f.shape), 1)) {
    throw fail(ErrorCode.INVALID_SHAPE, `position must be a scalar, got ${formatShape(f.shape)}`, 'pass one position');
  }
}

const sequenceConstruct: LayerDef<'sequence_construct'> = {
  kind: 'sequence_construct',
  summary: 'A sequence holding its input tensors in order.',
  params: {},
  inputs: [{ name: 'tensors', role: 'data', variadic: true }],
  outputs: [{ name: 'sequence' }],
  traits: TRAITS,
  infer(ctx) {
    if (ctx.inputs.length === 0)
      throw fail(ErrorCode.INVALID_ARGUMENT, 'needs at least one input tensor', 'an empty sequence is sequence_empty');
    const elements = ctx.inputs.map((_, i) => tensorInput(ctx.inputs, i, `element ${i}`));
    requireSameDType(
      ctx.inputs,
      elements.map((_, i) => i),
      'sequence elements',
    );
    return [sequenceFacts(elements[0]!.dtype, sharedShape(elements.map((e) => e.shape)))];
  },
};

const sequenceEmpty: LayerDef<'sequence_empty'> = {
  kind: 'sequence_empty',
  summary: 'An empty sequence whose elements will be `dtype`.',
  params: { dtype: req(dtype) },
  inputs: [],
  outputs: [{ name: 'sequence' }],
  traits: TRAITS,
  infer(ctx) {
    // No element yet, so nothing is known about element shapes.
    return [sequenceFacts(ctx.layer.params.dtype, null)];
  },
};

const sequenceAt: LayerDef<'sequence_at'> = {
  kind: 'sequence_at',
  summary: 'The element at a (possibly negative) position.',
  params: {},
  inputs: [
    { name: 'sequence', role: 'sequence' },
    { name: 'position', role: 'scalar' },
  ],
  outputs: [{ name: 'tensor' }],
  traits: TRAITS,
  infer(ctx) {
    const seq = sequenceInput(ctx.inputs, 0, 'sequence');
    checkPosition(requiredInput(ctx.inputs, 1, 'position'));
    return [{ dtype: seq.dtype, shape: seq.shape }];
  },
};

const sequenceInsert: LayerDef<'sequence_insert'> = {
  kind: 'sequence_insert',
  summary: 'A new sequence with a tensor inserted before position, or appended.',
  params: {},
  inputs: [
    { name: 'sequence', role: 'sequence' },
    { name: 'tensor', role: 'data' },
    { name: 'position', role: 'scalar', optional: true },
  ],
  outputs: [{ name: 'sequence' }],
  traits: TRAITS,
  infer(ctx) {
    const seq = sequenceInput(ctx.inputs, 0, 'sequence');
    const t = tensorInput(ctx.inputs, 1, 'tensor');
    checkPosition(ctx.inputs[2]);
    if (t.dtype !== seq.dtype) {
      throw fail(
        ErrorCode.INVALID_DTYPE,
        `cannot insert a ${t.dtype} tensor into a sequence of ${seq.dtype}`,
        'cast the tensor to the sequence dtype',
      );
    }
    return [sequenceFacts(seq.dtype, sharedShape([seq.shape, t.shape]))];
  },
};

const sequenceErase: LayerDef<'sequence_erase'> = {
  kind: 'sequence_erase',
  summary: 'A new sequence without the element at position (default: the last).',
  params: {},
  inputs: [
    { name: 'sequence', role: 'sequence' },
    { name: 'position', role: 'scalar', optional: true },
  ],
  outputs: [{ name: 'sequence' }],
  traits: TRAITS,
  infer(ctx) {
    const seq = sequenceInput(ctx.inputs, 0, 'sequence');
    checkPosition(ctx.inputs[1]);
    return [sequenceFacts(seq.dtype, seq.shape)];
  },
};

const sequenceLength: LayerDef<'sequence_length'> = {
  kind: 'sequence_length',
  summary: 'The number of elements, as an int64 scalar.',
  params: {},
  inputs: [{ name: 'sequence', role: 'sequence' }],
  outputs: [{ name: 'length' }],
  traits: TRAITS,
  infer(ctx) {
    sequenceInput(ctx.inputs, 0, 'sequence');
    return [{ dtype: 'int64', shape: [] }];
  },
};

/** Size of every piece split_to_sequence cuts from an axis of `dim`; null when pieces differ or are unknown. */
function pieceSize(dim: Dim, split: ValueFacts | undefined): Dim {
  if (!split) return 1;
  const values = knownIntValues(split, 'split');
  const rank = split.value ? split.value.rank : (split.shape?.length ?? null);
  if (rank !== null && rank > 1)
    throw fail(ErrorCode.INVALID_SHAPE, `split must be a scalar or 1-D, got rank ${rank}`, 'pass one size or a list of sizes');
  if (!values) return null;
  if (rank === 0) {
    const size = values[0]!;
    if (size < 1)
      throw fail(ErrorCode.INVALID_ATTRIBUTE, `split size ${size} must be a positive integer`, 'pieces have at least one element');
    // The last piece is shorter unless the size divides the axis.
    return typeof dim === 'number' && dim % size === 0 ? size : null;
  }
  const total = values.reduce((a, b) => a + b, 0);
  if (values.some((v) => v < 0) || (typeof dim === 'number' && total !== dim)) {
    throw fail(
      ErrorCode.SHAPE_MISMATCH,
      `split sizes [${values.join(',')}] do not add up to the axis length ${String(dim)}`,
      'the sizes must be non-negative and add up to the split axis',
    );
  }
  return values.length > 0 && values.every((v) => v === values[0]) ? values[0]! : null;
}

const splitToSequence: LayerDef<'split_to_sequence'> = {
  kind: 'split_to_sequence',
  summary: 'x cut along an axis into a sequence: pieces of 1 (squeezed unless keepDims), of a given size, or of given sizes.',
  params: { axis: req(axis), keepDims: req(bool) },
  inputs: [
    { name: 'x', role: 'data' },
    { name: 'split', role: 'shape', optional: true },
  ],
  outputs: [{ name: 'sequence' }],
  traits: TRAITS,
  infer(ctx) {
    const x = tensorInput(ctx.inputs, 0, 'x');
    const wired = (ctx.layer.inputs[1] ?? '') !== '';
    const split = wired ? tensorInput(ctx.inputs, 1, 'split') : undefined;
    const s = x.shape;
    if (!s) return [sequenceFacts(x.dtype, null)];
    const a = axisIn(ctx.layer.params.axis, s.length, 'axis');
    const size = pieceSize(s[a]!, split);
    if (!split && !ctx.layer.params.keepDims)
      return [
        sequenceFacts(
          x.dtype,
          s.filter((_, i) => i !== a),
        ),
      ];
    return [
      sequenceFacts(
        x.dtype,
        s.map((d, i) => (i === a ? size : d)),
      ),
    ];
  },
};

const concatFromSequence: LayerDef<'concat_from_sequence'> = {
  kind: 'concat_from_sequence',
  summary: 'The elements joined along an axis, or stacked along a new axis when newAxis is set.',
  params: { axis: req(axis), newAxis: req(bool) },
  inputs: [{ name: 'sequence', role: 'sequence' }],
  outputs: [{ name: 'y' }],
  traits: TRAITS,
  infer(ctx) {
    const seq = sequenceInput(ctx.inputs, 0, 'sequence');
    const e = seq.shape;
    if (!e) return [{ dtype: seq.dtype, shape: null }];
    const { newAxis } = ctx.layer.params;
    // A new axis may go after the last one, so the valid range grows by one.
    const a = axisIn(ctx.layer.params.axis, e.length + (newAxis ? 1 : 0), 'axis');
    // The joined length depends on how many elements the sequence holds at run time.
    const shape = newAxis ? [...e.slice(0, a), null, ...e.slice(a)] : e.map((d, i) => (i === a ? null : d));
    return [{ dtype: seq.dtype, shape }];
  },
};

export const SEQUENCE_DEFS: { readonly [K in SequenceKind]: LayerDef<K> } = {
  sequence_construct: sequenceConstruct,
  sequence_empty: sequenceEmpty,
  sequence_at: sequenceAt,
  sequence_insert: sequenceInsert,
  sequence_erase: sequenceErase,
  sequence_length: sequenceLength,
  split_to_sequence: splitToSequence,
  concat_from_sequence: concatFromSequence,
};
