/**
 * LayerDefs of the layers that make tensors from shapes or find their sizes in the data: shape,
 * size, fill (constant_of_shape, range, random, eye_like), non_zero and nms. `shape` and `size`
 * carry their value when the input's dims are known, and `shape` its symbolic `dims` when they
 * are not, which is what lets later reshapes and slices stay static (or keep 'N'). non_zero and
 * nms have data-dependent row counts: those dims are null.
 */
import { dtypeInfo } from '../dtype.js';
import { ErrorCode, KilnError } from '../errors.js';
import type { InferContext, LayerDef, ValueFacts } from '../layer-def.js';
import type { LayerParamsMap } from '../layers.js';
import { type Dim, formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { dimProduct, dimsCompatible, facts, openDims, shapeOperandDims } from './dims.js';
import { requiredInput } from './input-facts.js';
import { isShapeArithmeticDType, MAX_KNOWN_ELEMENTS, withValue } from './known-values.js';
import { arrayOf, bool, dtype, int, number, oneOf, opt, req } from './param-builders.js';

type ShapeGeneratorKind = 'shape' | 'size' | 'fill' | 'non_zero' | 'nms';

const PLAIN = { foldable: true, deterministic: true } as const;

function fail(code: ErrorCode, message: string, hint: string): KilnError {
  return new KilnError(code, message, { hint });
}

/** True when input `index` is connected (present and not ''). */
function wired(ctx: InferContext<'fill' | 'nms'>, index: number): boolean {
  return (ctx.layer.inputs[index] ?? '') !== '';
}

/** Facts of an operand that must be connected but whose facts may be unknown (they only refine the output). */
function requiredOperand(ctx: InferContext<'fill'>, index: number, name: string): ValueFacts | undefined {
  if (!wired(ctx, index)) {
    throw fail(
      ErrorCode.INVALID_ARGUMENT,
      `input ${index} (${name}) is missing`,
      `connect a tensor to input ${index} for mode '${ctx.layer.params.mode}'`,
    );
  }
  return ctx.inputs[index];
}

const shape: LayerDef<'shape'> = {
  kind: 'shape',
  summary: "The input's dims as an int64 vector, sliced to [start, end) with ONNX Shape-15 clamping.",
  params: { start: opt(int(), 0), end: opt(int()) },
  // Only the input's shape is read, never its elements.
  inputs: [{ name: 'x', role: 'data' }],
  outputs: [{ name: 'shape' }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const s = x.shape;
    if (!s) return [facts('int64', [null])];
    const rank = s.length;
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
    const start = clamp(ctx.layer.params.start ?? 0);
    const end = clamp(ctx.layer.params.end ?? rank);
    const dims = s.slice(start, Math.max(start, end));
    const out = facts('int64', [dims.length]);
    // Symbolic dims travel as `dims`, so Shape → Slice → Concat → Reshape keeps 'N'.
    if (!dims.every((d): d is number => typeof d === 'number')) {
      return [dims.some((d) => d !== null) && dims.length <= MAX_KNOWN_ELEMENTS ? { ...out, dims } : out];
    }
    return [
      withValue(
        out,
        new Tensor(
          'int64',
          [dims.length],
          BigInt64Array.from(dims, (d) => BigInt(d)),
        ),
      ),
    ];
  },
};

const size: LayerDef<'size'> = {
  kind: 'size',
  summary: "The input's element count as an int64 scalar.",
  params: {},
  inputs: [{ name: 'x', role: 'data' }],
  outputs: [{ name: 'size' }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const out = facts('int64', []);
    // A zero dim makes the count 0 whatever the other (symbolic) dims are.
    const count = x.shape ? dimProduct(x.shape) : null;
    return [typeof count === 'number' ? withValue(out, Tensor.scalar('int64', BigInt(count))) : out];
  },
};

/** One number of a known scalar operand (range's start, limit, delta), or undefined when unknown. */
function knownScalar(f: ValueFacts | undefined, what: string): number | undefined {
  const t = f?.value;
  if (!t) return undefined;
  if (t.dtype === 'string' || t.size !== 1) {
    throw fail(
      ErrorCode.INVALID_SHAPE,
      `range ${what} must be one number, got ${t.toString()}`,
      'pass start, limit and delta as numeric scalars',
    );
  }
  return t.getNumber(0);
}

function rangeFacts(ctx: InferContext<'fill'>): ValueFacts {
  const [start, limit, delta] = (['start', 'limit', 'delta'] as const).map((what, i) => knownScalar(requiredOperand(ctx, i, what), what));
  if (delta === 0) throw fail(ErrorCode.INVALID_ATTRIBUTE, 'range delta is zero', 'a zero step never reaches the limit');
  const dtype = ctx.layer.params.dtype;
  if (start === undefined || limit === undefined || delta === undefined) return facts(dtype, [null]);
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  const out = facts(dtype, [n]);
  // Integer ranges are shape arithmetic (Range(0, rank) builds axes lists): carry small ones.
  const exact = dtypeInfo(dtype).isInteger && Number.isInteger(start) && Number.isInteger(delta);
  if (!exact || n > MAX_KNOWN_ELEMENTS) return out;
  return withValue(
    out,
    Tensor.fromValues(
      dtype,
      [n],
      Array.from({ length: n }, (_, i) => start + i * delta),
    ),
  );
}

/** The known value of a small integer constant_of_shape (exporters build shape tensors with it). */
function constantOfShapeValue(p: LayerParamsMap['fill'], shape: readonly Dim[]): Tensor | undefined {
  if (!shape.every((d): d is number => typeof d === 'number') || !isShapeArithmeticDType(p.dtype)) return undefined;
  const n = shape.reduce((a, b) => a * b, 1);
  const value = p.value ?? 0;
  if (n > MAX_KNOWN_ELEMENTS || !Number.isInteger(value)) return undefined;
  return Tensor.fromValues(p.dtype, shape, new Array<number>(n).fill(value));
}

function fillShape(ctx: InferContext<'fill'>): readonly Dim[] | null {
  const p = ctx.layer.params;
  switch (p.mode) {
    case 'constant_of_shape': {
      const f = requiredOperand(ctx, 0, 'shape');
      const dims = shapeOperandDims(f, 'shape');
      if (dims) {
        const bad = dims.find((d) => typeof d === 'number' && d < 0);
        if (bad !== undefined) {
          throw fail(ErrorCode.INVALID_SHAPE, `fill shape ${formatShape(dims)} has a negative dim ${bad}`, 'dims must be ≥ 0');
        }
        return dims;
      }
      // Values unknown: the output rank is the length of the shape operand.
      const s = f?.shape;
      return s?.length === 1 && typeof s[0] === 'number' ? openDims(s[0], 'the output rank (the shape operand’s length)') : null;
    }
    case 'range':
      return rangeFacts(ctx).shape;
    case 'eye_like': {
      const x = requiredInput(ctx.inputs, 0, 'x');
      if (x.shape && x.shape.length !== 2) {
        throw fail(ErrorCode.INVALID_SHAPE, `eye_like needs a rank-2 input, got ${formatShape(x.shape)}`, 'pass a matrix');
      }
      return x.shape ? [...x.shape] : [null, null];
    }
    case 'random_uniform':
    case 'random_normal': {
      // A template input gives the shape (ONNX RandomUniformLike); otherwise params.shape does.
      if (wired(ctx, 0)) return requiredInput(ctx.inputs, 0, 'like').shape;
      if (!p.shape)
        throw fail(ErrorCode.INVALID_ATTRIBUTE, 'a random fill needs a shape parameter or a template input', 'set params.shape');
      return [...p.shape];
    }
  }
}

const fill: LayerDef<'fill'> = {
  kind: 'fill',
  summary: 'Creates a tensor: constant_of_shape, range, random_uniform / random_normal, or eye_like.',
  params: {
    mode: req(oneOf('constant_of_shape', 'range', 'random_uniform', 'random_normal', 'eye_like')),
    dtype: req(dtype),
    value: opt(number, 0),
    shape: opt(arrayOf(int(0))),
    low: opt(number, 0),
    high: opt(number, 1),
    mean: opt(number, 0),
    scale: opt(number, 1),
    seed: opt(number),
    k: opt(int(), 0),
  },
  // Per mode: constant_of_shape [shape]; range [start, limit, delta]; random [like?]; eye_like [x].
  // Every one decides the output shape by its values (shape, range bounds) or its dims (like, x).
  inputs: [
    { name: 'shapeOrStart', role: 'shape', optional: true },
    { name: 'limit', role: 'shape', optional: true },
    { name: 'delta', role: 'shape', optional: true },
  ],
  outputs: [{ name: 'y' }],
  // Random modes are neither: `isRandomLayer(layer)` tells them apart, and constant_of_shape,
  // range and eye_like fold like any deterministic layer (exporters build weights with them).
  traits: { foldable: true, deterministic: false },
  infer(ctx) {
    const p = ctx.layer.params;
    if (p.mode === 'range') return [rangeFacts(ctx)];
    const shape = fillShape(ctx);
    const out = facts(p.dtype, shape);
    return [p.mode === 'constant_of_shape' && shape ? withValue(out, constantOfShapeValue(p, shape)) : out];
  },
};

const nonZero: LayerDef<'non_zero'> = {
  kind: 'non_zero',
  summary: 'The int64 [rank, count] coordinates of the non-zero elements; count depends on the data.',
  params: {},
  inputs: [{ name: 'x', role: 'data' }],
  outputs: [{ name: 'indices' }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    // A scalar is treated as a one-element vector, so the first dim is at least 1.
    return [facts('int64', [x.shape ? Math.max(x.shape.length, 1) : null, null])];
  },
};

/** The known value of an optional scalar operand; undefined when absent, empty or unknown. */
function optionalScalar(f: ValueFacts | undefined): number | undefined {
  const t = f?.value;
  return t && t.size > 0 && t.dtype !== 'string' ? t.getNumber(0) : undefined;
}

/**
 * The per-class maximum when known: absent or empty means 0 (the kernel selects nothing then),
 * which with a non-positive value is the only case whose row count is static.
 */
function maxPerClass(ctx: InferContext<'nms'>): number | undefined {
  if (!wired(ctx, 2)) return 0;
  const t = ctx.inputs[2]?.value;
  if (!t) return undefined;
  return t.size > 0 && t.dtype !== 'string' ? t.getNumber(0) : 0;
}

const nms: LayerDef<'nms'> = {
  kind: 'nms',
  summary: 'ONNX NonMaxSuppression: int64 [selected, 3] rows of (batch, class, box); the row count depends on the data.',
  params: { centerPointBox: req(bool) },
  inputs: [
    { name: 'boxes', role: 'data' },
    { name: 'scores', role: 'data' },
    { name: 'maxOutputBoxesPerClass', role: 'scalar', optional: true },
    { name: 'iouThreshold', role: 'scalar', optional: true },
    { name: 'scoreThreshold', role: 'scalar', optional: true },
  ],
  outputs: [{ name: 'selected' }],
  traits: PLAIN,
  infer(ctx) {
    const boxes = requiredInput(ctx.inputs, 0, 'boxes').shape;
    const scores = requiredInput(ctx.inputs, 1, 'scores').shape;
    if (boxes && (boxes.length !== 3 || !dimsCompatible(boxes[2]!, 4))) {
      throw fail(ErrorCode.INVALID_SHAPE, `boxes must be [batch, boxes, 4], got ${formatShape(boxes)}`, 'pass boxes as [batch, boxes, 4]');
    }
    if (scores && scores.length !== 3) {
      throw fail(
        ErrorCode.INVALID_SHAPE,
        `scores must be [batch, classes, boxes], got ${formatShape(scores)}`,
        'pass scores as [batch, classes, boxes]',
      );
    }
    if (boxes && scores && (!dimsCompatible(boxes[0]!, scores[0]!) || !dimsCompatible(boxes[1]!, scores[2]!))) {
      throw fail(
        ErrorCode.SHAPE_MISMATCH,
        `scores ${formatShape(scores)} do not match boxes ${formatShape(boxes)}`,
        'scores are [batch, classes, boxes] for boxes [batch, boxes, 4]',
      );
    }
    const iou = optionalScalar(ctx.inputs[3]);
    if (iou !== undefined && (iou < 0 || iou > 1)) {
      throw fail(ErrorCode.INVALID_ATTRIBUTE, `iou threshold ${iou} must lie in [0, 1]`, 'an IoU is a ratio between 0 and 1');
    }
    const max = maxPerClass(ctx);
    return [facts('int64', [max !== undefined && max <= 0 ? 0 : null, 3])];
  },
};

export const SHAPE_GENERATOR_DEFS: { readonly [K in ShapeGeneratorKind]: LayerDef<K> } = {
  shape,
  size,
  fill,
  non_zero: nonZero,
  nms,
};
