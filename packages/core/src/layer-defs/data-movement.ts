/**
 * LayerDefs of the layers that move data without arithmetic: concatenation, shuffle (transpose /
 * reshape), squeeze, unsqueeze, expand, tile, depth_space, slice, split, gather, scatter,
 * padding, resize, grid_sample and one_hot. Output sizes follow ONNX and the reference kernels
 * exactly. Shape operands (reshape dims, slice bounds, pads, sizes) give exact dims when their
 * values are known at build time and keep only the rank otherwise. Small integer values (shape
 * arithmetic) are carried through, so Shape → Gather → Concat → Reshape chains stay static, and
 * so are symbolic shape vectors (`ValueFacts.dims`), so the same chain over [N, …] keeps 'N'.
 */
import { type DType, dtypeInfo } from '../dtype.js';
import { ErrorCode, KilnError } from '../errors.js';
import type { InferContext, LayerDef, ValueFacts } from '../layer-def.js';
import type { LayerKind } from '../layers.js';
import { type Dim, formatShape, type Shape, stridesOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import {
  axisIn,
  broadcastDims,
  dimProduct,
  dimSum,
  dimsCompatible,
  facts,
  knownIntValues,
  openDims,
  shapeOperandDims,
  unifyDims,
} from './dims.js';
import { requiredInput, requireSameDType } from './input-facts.js';
import { integerTensor, MAX_KNOWN_ELEMENTS, smallIntegerValue, withValue } from './known-values.js';
import { arrayOf, axes, axis, bool, int, number, oneOf, opt, req } from './param-builders.js';
import { reshapeDims } from './reshape-dims.js';

type DataMovementKind =
  | 'concatenation'
  | 'shuffle'
  | 'squeeze'
  | 'unsqueeze'
  | 'expand'
  | 'tile'
  | 'depth_space'
  | 'slice'
  | 'split'
  | 'gather'
  | 'scatter'
  | 'padding'
  | 'resize'
  | 'grid_sample'
  | 'one_hot';

const PLAIN = { foldable: true, deterministic: true } as const;

// ---------------------------------------------------------------- shared helpers

function fail(code: ErrorCode, message: string, hint: string): KilnError {
  return new KilnError(code, message, { hint });
}

/** True when input `index` is connected (present and not ''), whether or not anything is known about it. */
function wired(ctx: InferContext<LayerKind>, index: number): boolean {
  return (ctx.layer.inputs[index] ?? '') !== '';
}

/**
 * What is known about a 1-D integer operand (axes, repeats, reshape dims, pads): its values, or
 * only how many it has (a known-length operand whose values come at run time), or nothing.
 */
interface Operand {
  readonly values: number[] | null;
  readonly length: number | null;
}

/** Length of a rank-0 or rank-1 operand from its shape; null when unknown. */
function operandLength(f: ValueFacts | undefined): number | null {
  const s = f?.shape;
  if (!s) return null;
  if (s.length === 0) return 1;
  return s.length === 1 && typeof s[0] === 'number' ? s[0] : null;
}

/**
 * Facts of a required shape operand: it must be connected, but may be unknown (undefined) —
 * its values only refine the output, so an unknown one leaves dims open instead of failing.
 */
function requiredOperand(ctx: InferContext<LayerKind>, index: number, name: string): ValueFacts | undefined {
  if (!wired(ctx, index)) {
    throw fail(ErrorCode.INVALID_ARGUMENT, `input ${index} (${name}) is missing`, `connect a tensor to input ${index}`);
  }
  return ctx.inputs[index];
}

function operand(f: ValueFacts | undefined, what: string): Operand {
  const values = knownIntValues(f, what);
  return values ? { values, length: values.length } : { values: null, length: operandLength(f) };
}

/**
 * Slice bounds as numbers, clamped to the safe-integer range: exporters write INT64_MAX for
 * "to the end", which no dim reaches, so clamping keeps the ONNX meaning exactly.
 */
function clampedOperand(f: ValueFacts | undefined, what: string): Operand {
  const t = f?.value;
  if (!t) return { values: null, length: operandLength(f) };
  if (t.dtype === 'string' || !(t.dtype.startsWith('int') || t.dtype.startsWith('uint'))) {
    throw fail(ErrorCode.INVALID_DTYPE, `${what} must be an integer tensor, not ${t.dtype}`, `cast ${what} to int64`);
  }
  const data = t.data as ArrayLike<number | bigint>;
  const values = Array.from({ length: data.length }, (_, i) =>
    Math.min(Math.max(Number(data[i]!), -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER),
  );
  return { values, length: values.length };
}

/** Throws INVALID_SHAPE for a negative or non-integer dim computed from a shape operand. */
function checkDims(dims: readonly Dim[], what: string): void {
  for (const d of dims) {
    if (typeof d === 'number' && (!Number.isSafeInteger(d) || d < 0)) {
      throw fail(ErrorCode.INVALID_SHAPE, `${what} gives invalid dim ${d} in ${formatShape(dims)}`, 'dims must be non-negative integers');
    }
  }
}

/**
 * A small known value rearranged: the output element at coordinate c is `from(c)`. Returns
 * undefined when the output is not static or too large to carry (see known-values.ts).
 */
function rearranged(dtype: DType, shape: Shape, from: (coord: readonly number[]) => bigint | undefined): Tensor | undefined {
  if (!shape.every((d): d is number => typeof d === 'number')) return undefined;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > MAX_KNOWN_ELEMENTS) return undefined;
  const values: bigint[] = [];
  const coord = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < size; i++) {
    let rem = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      coord[d] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    const v = from(coord);
    if (v === undefined) return undefined;
    values.push(v);
  }
  return integerTensor(dtype, shape, values);
}

/** Element at `coord` of a small known value. */
function elementAt(value: { shape: readonly number[]; values: bigint[] }, coord: readonly number[]): bigint | undefined {
  const st = stridesOf(value.shape);
  let flat = 0;
  for (let d = 0; d < coord.length; d++) flat += coord[d]! * st[d]!;
  return value.values[flat];
}

/**
 * The elements of a small 1-D or scalar integer tensor as dims: its known value, else its
 * symbolic `dims`, else unknowns as many as its static length; null when even that is unknown.
 */
function elementDims(f: ValueFacts | undefined): Dim[] | null {
  if (!f || !dtypeInfo(f.dtype).isInteger || !f.shape || f.shape.length > 1) return null;
  const v = smallIntegerValue(f);
  if (v) return v.values.map(Number);
  if (f.dims) return [...f.dims];
  const n = f.shape.length === 0 ? 1 : f.shape[0];
  return typeof n === 'number' && n <= MAX_KNOWN_ELEMENTS ? openDims(n) : null;
}

/**
 * `out` with elements known as dims: all numbers become a known value, some symbols or numbers
 * become `dims`, and all-unknown says nothing.
 */
function withElements(out: ValueFacts, elements: readonly Dim[] | null): ValueFacts {
  if (!elements || elements.length > MAX_KNOWN_ELEMENTS || !out.shape || !out.shape.every((d) => typeof d === 'number')) return out;
  if (elements.every((d): d is number => typeof d === 'number')) {
    return withValue(
      out,
      integerTensor(
        out.dtype,
        out.shape as number[],
        elements.map((d) => BigInt(d)),
      ),
    );
  }
  return elements.some((d) => d !== null) ? { ...out, dims: elements } : out;
}

/** Facts of `x` reshaped to `shape`, carrying x's small known value (or symbolic dims) along: same elements, new shape. */
function reshapedFacts(x: ValueFacts, shape: Shape | null): ValueFacts {
  const out = facts(x.dtype, shape);
  const v = smallIntegerValue(x);
  if (!v && x.dims && shape && shape.length <= 1) return withElements(out, x.dims);
  if (!v || !shape) return out;
  return withValue(
    out,
    rearranged(x.dtype, shape, (c) => v.values[c.reduce((flat, ci, d) => flat * (shape[d] as number) + ci, 0)]),
  );
}

// ---------------------------------------------------------------- shuffle

/** Applies a permutation to a shape (or to an unknown shape of the permutation's rank). */
function permute(shape: Shape | null, perm: readonly number[], what: string): Dim[] {
  const rank = shape ? shape.length : perm.length;
  const seen = new Set<number>();
  const norm = perm.map((p) => (p < 0 ? p + rank : p));
  const ok = norm.length === rank && norm.every((p) => Number.isInteger(p) && p >= 0 && p < rank && !seen.has(p) && seen.add(p));
  if (!ok) {
    throw fail(
      ErrorCode.INVALID_ATTRIBUTE,
      `${what} [${perm.join(',')}] does not fit rank ${rank}`,
      'a permutation lists every axis exactly once',
    );
  }
  return norm.map((p) => (shape ? shape[p]! : null));
}

const shuffle: LayerDef<'shuffle'> = {
  kind: 'shuffle',
  summary: 'Transpose, reshape, transpose (TensorRT IShuffleLayer); reshape dims from params or a shape operand.',
  params: { firstTranspose: opt(axes), reshape: opt(arrayOf(int(-1))), secondTranspose: opt(axes), allowZero: opt(bool, false) },
  inputs: [
    { name: 'x', role: 'data' },
    { name: 'shape', role: 'shape', optional: true },
  ],
  outputs: [{ name: 'y' }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const { firstTranspose, reshape, secondTranspose, allowZero } = ctx.layer.params;
    let shape: Dim[] | null = x.shape ? [...x.shape] : null;
    if (firstTranspose) shape = permute(shape, firstTranspose, 'firstTranspose');
    if (wired(ctx, 1)) {
      const target = shapeOperandDims(ctx.inputs[1], 'reshape dims');
      const length = operandLength(ctx.inputs[1]);
      shape = target ? reshapeDims(shape, target, allowZero ?? false) : length === null ? null : openDims(length);
    } else if (reshape) {
      shape = reshapeDims(shape, reshape, allowZero ?? false);
    }
    if (secondTranspose) shape = permute(shape, secondTranspose, 'secondTranspose');
    // Transposes of a known value are rare in shape arithmetic; only pure reshapes carry it.
    if (firstTranspose || secondTranspose) return [facts(x.dtype, shape)];
    return [reshapedFacts(x, shape)];
  },
};

// ---------------------------------------------------------------- concatenation

const concatenation: LayerDef<'concatenation'> = {
  kind: 'concatenation',
  summary: 'Joins its inputs along one axis; every other dim must agree.',
  params: { axis: req(axis), inPlace: opt(bool, false) },
  inputs: [{ name: 'inputs', role: 'data', variadic: true }],
  outputs: [{ name: 'y' }],
  traits: PLAIN,
  infer(ctx) {
    const present = ctx.inputs.filter((f): f is ValueFacts => f !== undefined);
    if (present.length === 0) throw fail(ErrorCode.INVALID_ARGUMENT, 'has no inputs', 'give concatenation at least one input tensor');
    requireSameDType(
      ctx.inputs,
      ctx.inputs.map((_, i) => i),
      'concatenation',
    );
    const dtype = present[0]!.dtype;
    const shapes = present.map((f) => f.shape).filter((s): s is Shape => s !== null);
    const first = shapes[0];
    if (!first) return [facts(dtype, null)];
    for (const s of shapes) {
      if (s.length !== first.length) {
        throw fail(
          ErrorCode.SHAPE_MISMATCH,
          `cannot concatenate ${formatShape(s)} with ${formatShape(first)}: their ranks differ`,
          'all inputs must have one rank',
        );
      }
    }
    const a = axisIn(ctx.layer.params.axis, first.length, 'axis');
    const out: Dim[] = [...first];
    for (const s of shapes) {
      s.forEach((d, i) => {
        if (i === a) return;
        if (!dimsCompatible(out[i]!, d)) {
          throw fail(
            ErrorCode.SHAPE_MISMATCH,
            `cannot concatenate ${formatShape(s)} with ${formatShape(first)} along axis ${a}: dim ${i} differs`,
            'inputs must agree in every dim but the concatenation axis',
          );
        }
        out[i] = unifyDims(out[i]!, d);
      });
    }
    out[a] = shapes.length === present.length ? dimSum(shapes.map((s) => s[a]!)) : null;
    const result = facts(dtype, out);
    const values = present.map((f) => smallIntegerValue(f));
    if (values.some((v) => v === null)) {
      // A shape vector assembled from pieces: keep the symbolic entries (Shape → Slice → Concat).
      const pieces = present.length === ctx.inputs.length && out.length === 1 ? present.map((f) => elementDims(f)) : [];
      return [pieces.length > 0 && pieces.every((e) => e !== null) ? withElements(result, pieces.flat()) : result];
    }
    const known = values as { shape: readonly number[]; values: bigint[] }[];
    const value = rearranged(dtype, out, (c) => {
      let along = c[a]!;
      for (const v of known) {
        const n = v.shape[a]!;
        if (along < n)
          return elementAt(
            v,
            c.map((ci, i) => (i === a ? along : ci)),
          );
        along -= n;
      }
      return undefined;
    });
    return [withValue(result, value)];
  },
};

// ---------------------------------------------------------------- squeeze / unsqueeze

/** The axes operand of squeeze/unsqueeze: the second input when wired, else params.axes (undefined: none given). */
function axesOperand(ctx: InferContext<'squeeze' | 'unsqueeze'>): Operand | undefined {
  if (wired(ctx, 1)) return operand(ctx.inputs[1], 'axes');
  const given = ctx.layer.params.axes;
  return given ? { values: [...given], length: given.length } : undefined;
}

const squeeze: LayerDef<'squeeze'> = {
  kind: 'squeeze',
  summary: 'Removes the given size-1 axes, or every size-1 axis when none are given.',
  params: { axes: opt(axes) },
  inputs: [
    { name: 'x', role: 'data' },
    { name: 'axes', role: 'shape', optional: true },
  ],
  outputs: [{ name: 'y' }],
  traits: { ...PLAIN, view: true },
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const given = axesOperand(ctx);
    const s = x.shape;
    if (!s) return [facts(x.dtype, null)];
    if (!given) {
      // A symbolic dim may turn out to be 1, so which axes vanish is only known for static shapes.
      if (!s.every((d) => typeof d === 'number')) return [facts(x.dtype, null)];
      return [
        reshapedFacts(
          x,
          s.filter((d) => d !== 1),
        ),
      ];
    }
    if (!given.values) return [facts(x.dtype, given.length === null ? null : openDims(Math.max(0, s.length - given.length)))];
    const drop = new Set(given.values.map((a) => axisIn(a, s.length, 'squeeze axis')));
    for (const a of drop) {
      const d = s[a]!;
      if (typeof d === 'number' && d !== 1) {
        throw fail(
          ErrorCode.INVALID_SHAPE,
          `cannot squeeze axis ${a} of ${formatShape(s)}: its size is ${d}, not 1`,
          'squeeze only axes of size 1',
        );
      }
    }
    return [
      reshapedFacts(
        x,
        s.filter((_, i) => !drop.has(i)),
      ),
    ];
  },
};

const unsqueeze: LayerDef<'unsqueeze'> = {
  kind: 'unsqueeze',
  summary: 'Inserts size-1 axes at the given positions of the output.',
  params: { axes: opt(axes) },
  inputs: [
    { name: 'x', role: 'data' },
    { name: 'axes', role: 'shape', optional: true },
  ],
  outputs: [{ name: 'y' }],
  traits: { ...PLAIN, view: true },
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const given = axesOperand(ctx);
    if (!given) throw fail(ErrorCode.INVALID_ATTRIBUTE, 'no axes given', 'pass axes as a parameter or a second input');
    const s = x.shape;
    if (!s || given.length === null) return [facts(x.dtype, null)];
    const rank = s.length + given.length;
    if (!given.values) return [facts(x.dtype, openDims(rank))];
    const insert = new Set(given.values.map((a) => axisIn(a, rank, 'unsqueeze axis')));
    if (insert.size !== given.values.length) {
      throw fail(ErrorCode.INVALID_ATTRIBUTE, `axes [${given.values.join(',')}] repeat an axis`, 'list each new axis once');
    }
    let next = 0;
    const out = Array.from({ length: rank }, (_, i) => (insert.has(i) ? 1 : s[next++]!));
    return [reshapedFacts(x, out)];
  },
};

// ---------------------------------------------------------------- expand / tile

const expand: LayerDef<'expand'> = {
  kind: 'expand',
  summary: 'numpy-broadcasts x against a shape operand (ONNX Expand).',
  params: {},
  inputs: [
    { name: 'x', role: 'data' },
    { name: 'shape', role: 'shape' },
  ],
  outputs: [{ name: 'y' }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const shapeF = requiredOperand(ctx, 1, 'shape');
    const target = { values: shapeOperandDims(shapeF, 'shape'), length: operandLength(shapeF) };
    const s = x.shape;
    if (target.values) {
      checkDims(target.values, 'the expand shape');
      if (!s) return [facts(x.dtype, null)];
      const out = broadcastDims([s, target.values], { hint: 'each target dim must equal the input dim, or one of them be 1' });
      const v = smallIntegerValue(x);
      const value = v ? rearranged(x.dtype, out, (c) => elementAt(v, broadcastCoord(v.shape, c))) : undefined;
      return [withValue(facts(x.dtype, out), value)];
    }
    if (!s || target.length === null) return [facts(x.dtype, null)];
    // Unknown target values: a known dim other than 1 survives broadcasting (the target must be 1 or equal).
    const rank = Math.max(s.length, target.length);
    const out = Array.from({ length: rank }, (_, i) => {
      const d = s[i - (rank - s.length)];
      return typeof d === 'number' && d !== 1 ? d : null;
    });
    return [facts(x.dtype, out)];
  },
};

/** The coordinate in a (right-aligned) broadcast source of an output coordinate. */
function broadcastCoord(source: readonly number[], c: readonly number[]): number[] {
  const offset = c.length - source.length;
  return source.map((d, i) => (d === 1 ? 0 : c[i + offset]!));
}

const tile: LayerDef<'tile'> = {
  kind: 'tile',
  summary: 'Repeats x repeats[d] times along every axis d (ONNX Tile).',
  params: {},
  inputs: [
    { name: 'x', role: 'data' },
    { name: 'repeats', role: 'shape' },
  ],
  outputs: [{ name: 'y' }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const repeats = operand(requiredOperand(ctx, 1, 'repeats'), 'repeats');
    const s = x.shape;
    const rank = s?.length ?? repeats.length;
    if (rank === null) return [facts(x.dtype, null)];
    if (repeats.length !== null && repeats.length !== rank) {
      throw fail(
        ErrorCode.SHAPE_MISMATCH,
        `repeats has ${repeats.length} values for a rank-${rank} input`,
        'give one repeat count per axis',
      );
    }
    const r = repeats.values;
    if (r?.some((n) => n < 0)) {
      throw fail(ErrorCode.INVALID_ATTRIBUTE, `repeats [${r.join(',')}] must not be negative`, 'repeat counts are ≥ 0');
    }
    if (!s) return [facts(x.dtype, openDims(rank))];
    const out = s.map((d, i) => (r ? dimProduct([d, r[i]!]) : d === 0 ? 0 : null));
    const v = smallIntegerValue(x);
    const value =
      v && r
        ? rearranged(x.dtype, out, (c) =>
            elementAt(
              v,
              c.map((ci, i) => ci % v.shape[i]!),
            ),
          )
        : undefined;
    return [withValue(facts(x.dtype, out), value)];
  },
};

// ---------------------------------------------------------------- depth_space

/** d / b when d is a known multiple of b; throws when it is known not to be; null for symbols. */
function divideDim(d: Dim, b: number, what: string): Dim {
  if (typeof d !== 'number') return b === 1 ? d : null;
  if (d % b !== 0) throw fail(ErrorCode.INVALID_SHAPE, `${what} ${d} is not divisible by ${b}`, 'use a block size that divides it');
  return d / b;
}

const depthSpace: LayerDef<'depth_space'> = {
  kind: 'depth_space',
  summary: 'DepthToSpace (DCR or CRD) or SpaceToDepth on N C H W tensors.',
  params: {
    direction: req(oneOf('depth_to_space', 'space_to_depth')),
    blockSize: req(int(1)),
    mode: req(oneOf('DCR', 'CRD')),
  },
  inputs: [{ name: 'x', role: 'data' }],
  outputs: [{ name: 'y' }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const { direction, blockSize: b } = ctx.layer.params;
    const s = x.shape;
    if (!s) return [facts(x.dtype, openDims(4))];
    if (s.length !== 4)
      throw fail(ErrorCode.INVALID_SHAPE, `expects a rank-4 N C H W input, got ${formatShape(s)}`, 'reshape x to N C H W');
    const [n, c, h, w] = s as [Dim, Dim, Dim, Dim];
    if (direction === 'depth_to_space') {
      return [facts(x.dtype, [n, divideDim(c, b * b, 'channel count'), dimProduct([h, b]), dimProduct([w, b])])];
    }
    return [facts(x.dtype, [n, dimProduct([c, b * b]), divideDim(h, b, 'height'), divideDim(w, b, 'width')])];
  },
};

// ---------------------------------------------------------------- slice / split

/** Clamped start and element count of one sliced axis, as ONNX Slice defines them. */
export function sliceRange(start: number, end: number, step: number, dim: number): { first: number; count: number } {
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
  } else {
    s = Math.min(Math.max(s, 0), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
  }
  return { first: s, count: Math.max(0, Math.ceil((e - s) / step)) };
}

/** Bounds no dim reaches (dims are at most MAX_ELEMENTS = 2^40): a slice from there covers the whole axis. */
const WHOLE_AXIS = 2 ** 40;

/** Output dim of one sliced axis; a symbolic dim survives only a whole-axis slice with step ±1. */
function slicedDim(d: Dim, start: number, end: number, step: number): Dim {
  if (typeof d === 'number') return sliceRange(start, end, step, d).count;
  const forward = step === 1 && (start === 0 || start <= -WHOLE_AXIS) && end >= WHOLE_AXIS;
  const backward = step === -1 && start >= WHOLE_AXIS && end <= -WHOLE_AXIS;
  return forward || backward ? d : null;
}

const slice: LayerDef<'slice'> = {
  kind: 'slice',
  summary: 'ONNX Slice: x[starts:ends:steps] along the given axes, with its clamping rules.',
  params: {},
  inputs: [
    { name: 'x', role: 'data' },
    { name: 'starts', role: 'shape' },
    { name: 'ends', role: 'shape' },
    { name: 'axes', role: 'shape', optional: true },
    { name: 'steps', role: 'shape', optional: true },
  ],
  outputs: [{ name: 'y' }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const starts = clampedOperand(requiredOperand(ctx, 1, 'starts'), 'starts');
    const ends = clampedOperand(requiredOperand(ctx, 2, 'ends'), 'ends');
    const axesOp = wired(ctx, 3) ? operand(ctx.inputs[3], 'axes') : undefined;
    const stepsOp = wired(ctx, 4) ? clampedOperand(ctx.inputs[4], 'steps') : undefined;
    const lengths = [starts.length, ends.length, axesOp?.length ?? null, stepsOp?.length ?? null].filter((n) => n !== null);
    if (lengths.some((n) => n !== lengths[0])) {
      throw fail(
        ErrorCode.INVALID_ATTRIBUTE,
        `starts, ends, axes and steps have different lengths (${[starts, ends, axesOp, stepsOp].map((o) => o?.length ?? '-').join(', ')})`,
        'give one start, end, axis and step per sliced axis',
      );
    }
    if (stepsOp?.values?.includes(0)) throw fail(ErrorCode.INVALID_ATTRIBUTE, 'a slice step is 0', 'steps must be non-zero');
    const s = x.shape;
    if (!s) return [facts(x.dtype, null)];
    const count = lengths[0] ?? null;
    const axisList = axesOp ? axesOp.values : count === null ? null : Array.from({ length: count }, (_, i) => i);
    if (!axisList) return [facts(x.dtype, openDims(s.length))];
    const sliced = axisList.map((a) => axisIn(a, s.length, 'slice axis'));
    if (new Set(sliced).size !== sliced.length) {
      throw fail(ErrorCode.INVALID_ATTRIBUTE, `axes [${axisList.join(',')}] slice an axis twice`, 'list each sliced axis once');
    }
    const out: Dim[] = [...s];
    const first = s.map(() => 0);
    const step = s.map(() => 1);
    sliced.forEach((a, i) => {
      const st = stepsOp ? stepsOp.values?.[i] : 1;
      const b = starts.values?.[i];
      const e = ends.values?.[i];
      if (st === undefined || b === undefined || e === undefined) {
        out[a] = null;
        return;
      }
      out[a] = slicedDim(s[a]!, b, e, st);
      const d = s[a];
      if (typeof d === 'number') first[a] = sliceRange(b, e, st, d).first;
      step[a] = st;
    });
    const v = smallIntegerValue(x);
    const value = v
      ? rearranged(x.dtype, out, (c) =>
          elementAt(
            v,
            c.map((ci, i) => first[i]! + ci * step[i]!),
          ),
        )
      : undefined;
    const entries = !v && out.length === 1 && typeof out[0] === 'number' ? elementDims(x) : null;
    if (entries) {
      // Entries of a symbolic shape vector (Shape → Slice): the sliced dims.
      const count = out[0] as number;
      return [
        withElements(
          facts(x.dtype, out),
          Array.from({ length: count }, (_, c) => entries[first[0]! + c * step[0]!] ?? null),
        ),
      ];
    }
    return [withValue(facts(x.dtype, out), value)];
  },
};

const split: LayerDef<'split'> = {
  kind: 'split',
  summary: 'Cuts x along an axis into parts of the given sizes, or into numOutputs near-equal parts (ONNX Split-18).',
  params: { axis: req(axis), numOutputs: req(int(1)) },
  inputs: [
    { name: 'x', role: 'data' },
    { name: 'split', role: 'shape', optional: true },
  ],
  outputs: [{ name: 'outputs', variadic: true }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const outputs = ctx.layer.outputs.length;
    const given = wired(ctx, 1) ? operand(ctx.inputs[1], 'split') : undefined;
    const n = given ? given.length : ctx.layer.params.numOutputs;
    if (n !== null && n !== outputs) {
      throw fail(
        ErrorCode.INVALID_ATTRIBUTE,
        `${given ? 'split sizes give' : 'numOutputs is'} ${n} parts but the layer has ${outputs} outputs`,
        'give one output per part',
      );
    }
    const s = x.shape;
    if (!s) return Array.from({ length: outputs }, () => facts(x.dtype, null));
    const a = axisIn(ctx.layer.params.axis, s.length, 'axis');
    const dim = s[a]!;
    let sizes: Dim[];
    if (given?.values) {
      const v = given.values;
      const total = v.reduce((t, b) => t + b, 0);
      if (v.some((d) => d < 0))
        throw fail(ErrorCode.INVALID_ATTRIBUTE, `split sizes [${v.join(',')}] hold a negative size`, 'sizes are ≥ 0');
      if (typeof dim === 'number' && total !== dim) {
        throw fail(
          ErrorCode.SHAPE_MISMATCH,
          `split sizes [${v.join(',')}] add up to ${total}, not dim ${dim} of axis ${a}`,
          'the sizes must add up to the split axis',
        );
      }
      sizes = v;
    } else if (given) {
      sizes = openDims(outputs);
    } else if (typeof dim === 'number') {
      const chunk = Math.ceil(dim / outputs);
      sizes = Array.from({ length: outputs }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
    } else {
      sizes = outputs === 1 ? [dim] : openDims(outputs);
    }
    const v = smallIntegerValue(x);
    let offset = 0;
    return sizes.map((size) => {
      const out = s.map((d, i) => (i === a ? size : d));
      const start = offset;
      offset = typeof size === 'number' ? offset + size : Number.NaN;
      const value =
        v && Number.isInteger(start)
          ? rearranged(x.dtype, out, (c) =>
              elementAt(
                v,
                c.map((ci, i) => (i === a ? ci + start : ci)),
              ),
            )
          : undefined;
      const entries = !v && s.length === 1 && typeof size === 'number' && Number.isInteger(start) ? elementDims(x) : null;
      if (entries && typeof size === 'number') return withElements(facts(x.dtype, out), entries.slice(start, start + size));
      return withValue(facts(x.dtype, out), value);
    });
  },
};

// ---------------------------------------------------------------- gather / scatter

function requireIndices(f: ValueFacts, what: string): void {
  if (f.dtype === 'string' || f.dtype === 'bool' || !(f.dtype.startsWith('int') || f.dtype.startsWith('uint'))) {
    throw fail(ErrorCode.INVALID_DTYPE, `${what} must be an integer tensor, not ${f.dtype}`, `cast ${what} to int64`);
  }
}

/**
 * GatherElements / ScatterElements read data at the indices' coordinates on every axis but
 * `axis`: an indices dim larger than data's there is out of range on every run (unless empty).
 */
function requireElementsFit(data: Shape, indices: Shape, axis: number, op: string): void {
  if (dimProduct(indices) === 0) return;
  indices.forEach((q, i) => {
    const d = data[i]!;
    if (i !== axis && typeof q === 'number' && typeof d === 'number' && q > d) {
      throw fail(
        ErrorCode.SHAPE_MISMATCH,
        `indices ${formatShape(indices)} exceed data ${formatShape(data)} on axis ${i}`,
        `${op} indices may be no larger than data on every axis but ${axis}`,
      );
    }
  });
}

/** Batch dims shared by data and indices: in range, and equal where both are known. */
function checkBatchDims(data: Shape, indices: Shape, batchDims: number): void {
  if (batchDims > Math.min(data.length, indices.length)) {
    throw fail(
      ErrorCode.INVALID_ATTRIBUTE,
      `batchDims ${batchDims} exceeds data rank ${data.length} or indices rank ${indices.length}`,
      'batchDims counts leading dims shared by data and indices',
    );
  }
  for (let i = 0; i < batchDims; i++) {
    if (!dimsCompatible(data[i]!, indices[i]!)) {
      throw fail(
        ErrorCode.SHAPE_MISMATCH,
        `batch dim ${i} differs: data ${formatShape(data)} vs indices ${formatShape(indices)}`,
        'the first batchDims dims of data and indices must be equal',
      );
    }
  }
}

/** ONNX Gather with batchDims: data[:axis] + indices[batchDims:] + data[axis+1:]. */
function gatherDefault(ctx: InferContext<'gather'>, data: ValueFacts, indices: ValueFacts): ValueFacts {
  const { axis: rawAxis, batchDims: b } = ctx.layer.params;
  const d = data.shape;
  const q = indices.shape;
  if (!d || !q) return facts(data.dtype, null);
  const a = axisIn(rawAxis, d.length, 'axis');
  checkBatchDims(d, q, b);
  if (a < b) throw fail(ErrorCode.INVALID_ATTRIBUTE, `axis ${a} is below batchDims ${b}`, 'gather along an axis after the batch dims');
  const out = [...d.slice(0, a), ...q.slice(b), ...d.slice(a + 1)];
  const dv = smallIntegerValue(data);
  const iv = smallIntegerValue(indices);
  if (!dv && iv && b === 0 && d.length === 1 && q.length <= 1) {
    // Picking entries of a symbolic shape vector (Shape → Gather): the picked dims.
    const entries = elementDims(data);
    if (!entries) return facts(data.dtype, out);
    const picked = iv.values.map((raw) => entries[Number(raw) < 0 ? Number(raw) + entries.length : Number(raw)] ?? null);
    return withElements(facts(data.dtype, out), picked);
  }
  if (!dv || !iv || b !== 0) return facts(data.dtype, out);
  const span = dv.shape[a]!;
  const value = rearranged(data.dtype, out, (c) => {
    const raw = Number(elementAt(iv, c.slice(a, a + q.length)));
    const index = raw < 0 ? raw + span : raw;
    if (!(index >= 0 && index < span)) {
      throw fail(
        ErrorCode.INVALID_ARGUMENT,
        `gather index ${raw} is out of range for a dim of size ${span}`,
        `indices must lie in [${-span}, ${span - 1}]`,
      );
    }
    return elementAt(dv, [...c.slice(0, a), index, ...c.slice(a + q.length)]);
  });
  return withValue(facts(data.dtype, out), value);
}

const gather: LayerDef<'gather'> = {
  kind: 'gather',
  summary: "ONNX Gather ('default', with batchDims), GatherElements ('elements') and GatherND ('nd').",
  params: { mode: req(oneOf('default', 'elements', 'nd')), axis: req(axis), batchDims: req(int(0)) },
  inputs: [
    { name: 'data', role: 'data' },
    { name: 'indices', role: 'data' },
  ],
  outputs: [{ name: 'y' }],
  traits: PLAIN,
  infer(ctx) {
    const data = requiredInput(ctx.inputs, 0, 'data');
    const indices = requiredInput(ctx.inputs, 1, 'indices');
    requireIndices(indices, 'indices');
    const { mode, axis: rawAxis, batchDims: b } = ctx.layer.params;
    if (mode === 'default') return [gatherDefault(ctx, data, indices)];
    const d = data.shape;
    const q = indices.shape;
    if (mode === 'elements') {
      if (d && q && q.length !== d.length) {
        throw fail(
          ErrorCode.SHAPE_MISMATCH,
          `indices ${formatShape(q)} must have data's rank ${d.length}`,
          'GatherElements takes indices of the same rank as data',
        );
      }
      const a = d ? axisIn(rawAxis, d.length, 'axis') : 0;
      if (d && q) requireElementsFit(d, q, a, 'GatherElements');
      return [facts(data.dtype, q ? [...q] : d ? openDims(d.length) : null)];
    }
    if (!d || !q) return [facts(data.dtype, null)];
    if (q.length < 1) throw fail(ErrorCode.INVALID_SHAPE, 'GatherND indices must have rank ≥ 1', 'the last indices dim lists index tuples');
    checkBatchDims(d, q, b);
    const k = q[q.length - 1]!;
    if (typeof k !== 'number') return [facts(data.dtype, null)];
    if (k > d.length - b) {
      throw fail(
        ErrorCode.SHAPE_MISMATCH,
        `index tuples of length ${k} exceed data rank ${d.length} minus batchDims ${b}`,
        'each index tuple addresses at most the non-batch dims of data',
      );
    }
    return [facts(data.dtype, [...q.slice(0, -1), ...d.slice(b + k)])];
  },
};

/** Throws SHAPE_MISMATCH when two shapes certainly differ (different ranks or a differing known dim). */
function requireSameShape(actual: Shape, expected: Shape, what: string, hint: string): void {
  if (actual.length !== expected.length || actual.some((d, i) => !dimsCompatible(d, expected[i]!))) {
    throw fail(ErrorCode.SHAPE_MISMATCH, `${what} ${formatShape(actual)} should be ${formatShape(expected)}`, hint);
  }
}

const scatter: LayerDef<'scatter'> = {
  kind: 'scatter',
  summary: "ONNX ScatterElements ('elements') and ScatterND ('nd'): data with updates written at indices.",
  params: {
    mode: req(oneOf('elements', 'nd')),
    axis: req(axis),
    reduction: req(oneOf('none', 'add', 'mul', 'max', 'min')),
  },
  inputs: [
    { name: 'data', role: 'data' },
    { name: 'indices', role: 'data' },
    { name: 'updates', role: 'data' },
  ],
  outputs: [{ name: 'y' }],
  // The output is data with some elements replaced: each element is read before it is written.
  traits: { ...PLAIN, inPlace: true },
  infer(ctx) {
    const data = requiredInput(ctx.inputs, 0, 'data');
    const indices = requiredInput(ctx.inputs, 1, 'indices');
    const updates = requiredInput(ctx.inputs, 2, 'updates');
    requireIndices(indices, 'indices');
    requireSameDType(ctx.inputs, [0, 2], 'scatter data and updates');
    const d = data.shape;
    const q = indices.shape;
    const u = updates.shape;
    if (ctx.layer.params.mode === 'elements') {
      const a = d ? axisIn(ctx.layer.params.axis, d.length, 'axis') : 0;
      if (d && q && q.length !== d.length) {
        throw fail(
          ErrorCode.SHAPE_MISMATCH,
          `indices ${formatShape(q)} must have data's rank ${d.length}`,
          'ScatterElements takes indices of data rank',
        );
      }
      if (d && q) requireElementsFit(d, q, a, 'ScatterElements');
      if (q && u) requireSameShape(u, q, 'updates', 'updates and indices must have one shape');
    } else if (q) {
      if (q.length < 1)
        throw fail(ErrorCode.INVALID_SHAPE, 'ScatterND indices must have rank ≥ 1', 'the last indices dim lists index tuples');
      const k = q[q.length - 1]!;
      if (d && typeof k === 'number') {
        if (k > d.length) {
          throw fail(
            ErrorCode.SHAPE_MISMATCH,
            `index tuples of length ${k} exceed data rank ${d.length}`,
            'index tuples address data dims',
          );
        }
        if (u) requireSameShape(u, [...q.slice(0, -1), ...d.slice(k)], 'updates', 'updates are indices[:-1] + data[k:]');
      }
    }
    return [facts(data.dtype, d ? [...d] : null)];
  },
};

// ---------------------------------------------------------------- padding

const padding: LayerDef<'padding'> = {
  kind: 'padding',
  summary: 'ONNX Pad in constant, reflect, edge and wrap modes; negative pads crop.',
  params: { mode: req(oneOf('constant', 'reflect', 'edge', 'wrap')) },
  inputs: [
    { name: 'x', role: 'data' },
    { name: 'pads', role: 'shape' },
    { name: 'value', role: 'scalar', optional: true },
    { name: 'axes', role: 'shape', optional: true },
  ],
  outputs: [{ name: 'y' }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const pads = operand(requiredOperand(ctx, 1, 'pads'), 'pads');
    const value = ctx.inputs[2];
    if (value && value.dtype !== x.dtype) {
      throw fail(ErrorCode.INVALID_DTYPE, `pad value is ${value.dtype} but x is ${x.dtype}`, 'cast the pad value to the dtype of x');
    }
    const s = x.shape;
    if (!s) return [facts(x.dtype, null)];
    const axesOp = wired(ctx, 3) ? operand(ctx.inputs[3], 'axes') : undefined;
    const padded = axesOp ? axesOp.values?.map((a) => axisIn(a, s.length, 'pad axis')) : s.map((_, i) => i);
    const n = padded?.length ?? axesOp?.length ?? null;
    if (n !== null && pads.length !== null && pads.length !== 2 * n) {
      throw fail(ErrorCode.SHAPE_MISMATCH, `pads has ${pads.length} values for ${n} axes`, 'pads lists all begins, then all ends');
    }
    if (!padded) return [facts(x.dtype, openDims(s.length))];
    const out: Dim[] = [...s];
    padded.forEach((a, i) => {
      const begin = pads.values?.[i];
      const end = pads.values?.[i + padded.length];
      if (begin === undefined || end === undefined) {
        out[a] = null;
        return;
      }
      const d = s[a]!;
      if (typeof d !== 'number') {
        out[a] = begin + end === 0 ? d : null;
        return;
      }
      if (d + begin + end < 0) {
        throw fail(
          ErrorCode.INVALID_SHAPE,
          `pads ${begin} and ${end} crop axis ${a} of size ${d} below zero`,
          'negative pads may crop at most the whole axis',
        );
      }
      if (ctx.layer.params.mode === 'reflect' && d === 0 && (begin > 0 || end > 0)) {
        throw fail(ErrorCode.INVALID_SHAPE, `cannot reflect-pad empty axis ${a}`, "use 'constant' padding for empty axes");
      }
      out[a] = d + begin + end;
    });
    return [facts(x.dtype, out)];
  },
};

// ---------------------------------------------------------------- resize

/** What is known about resize's scales or sizes operand; `absent` also covers an empty tensor. */
type ResizeOperand =
  | { state: 'absent' }
  | { state: 'known'; values: number[] }
  /** Sizes assembled from a Shape: some entries symbolic (Concat(Shape(x)[0:2], [64, 64])). */
  | { state: 'symbolic'; dims: Dim[] }
  | { state: 'unknown' };

function resizeOperand(ctx: InferContext<'resize'>, index: number, what: 'scales' | 'sizes'): ResizeOperand {
  const f = ctx.inputs[index];
  if (!wired(ctx, index) || !f) return { state: wired(ctx, index) ? 'unknown' : 'absent' };
  if (f.value) {
    if (f.value.size === 0) return { state: 'absent' };
    if (what === 'sizes') return { state: 'known', values: knownIntValues(f, what)! };
    if (f.value.dtype === 'string') throw fail(ErrorCode.INVALID_DTYPE, 'scales must be numbers', 'cast scales to float32');
    return { state: 'known', values: Array.from(f.value.toFloat64()) };
  }
  if (operandLength(f) === 0) return { state: 'absent' };
  return what === 'sizes' && f.dims ? { state: 'symbolic', dims: [...f.dims] } : { state: 'unknown' };
}

const resize: LayerDef<'resize'> = {
  kind: 'resize',
  summary: 'ONNX Resize (and Upsample): nearest, linear or cubic resampling to given scales or sizes.',
  params: {
    mode: req(oneOf('nearest', 'linear', 'cubic')),
    coordinateTransform: req(
      oneOf(
        'half_pixel',
        'half_pixel_symmetric',
        'pytorch_half_pixel',
        'align_corners',
        'asymmetric',
        'tf_crop_and_resize',
        'tf_half_pixel_for_nn',
      ),
    ),
    nearestMode: req(oneOf('round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil')),
    cubicCoeffA: req(number),
    excludeOutside: req(bool),
    extrapolationValue: req(number),
    antialias: req(bool),
    axes: opt(axes),
    keepAspectRatioPolicy: req(oneOf('stretch', 'not_larger', 'not_smaller')),
  },
  inputs: [
    { name: 'x', role: 'data' },
    // The region of interest only moves sample coordinates (tf_crop_and_resize); it never sizes the output.
    { name: 'roi', role: 'data', optional: true },
    { name: 'scales', role: 'shape', optional: true },
    { name: 'sizes', role: 'shape', optional: true },
  ],
  outputs: [{ name: 'y' }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const p = ctx.layer.params;
    const scales = resizeOperand(ctx, 2, 'scales');
    const sizes = resizeOperand(ctx, 3, 'sizes');
    if (scales.state === 'absent' && sizes.state === 'absent') {
      throw fail(ErrorCode.INVALID_ARGUMENT, 'neither scales nor sizes is given', 'Resize needs one of them');
    }
    const s = x.shape;
    if (!s) return [facts(x.dtype, null)];
    const resized = p.axes ? p.axes.map((a) => axisIn(a, s.length, 'resize axis')) : s.map((_, i) => i);
    const out: Dim[] = [...s];
    const given = sizes.state === 'known' ? sizes.values : scales.state === 'known' && sizes.state === 'absent' ? scales.values : null;
    if (given && given.length !== resized.length) {
      throw fail(
        ErrorCode.SHAPE_MISMATCH,
        `${sizes.state === 'known' ? 'sizes' : 'scales'} has ${given.length} values for ${resized.length} axes`,
        'give one value per resized axis',
      );
    }
    const roi = wired(ctx, 1) ? operandLength(ctx.inputs[1]) : null;
    if (roi !== null && roi !== 0 && roi !== 2 * resized.length) {
      throw fail(ErrorCode.SHAPE_MISMATCH, `roi has ${roi} values for ${resized.length} axes`, 'roi lists all starts, then all ends');
    }
    if (sizes.state === 'known') {
      checkDims(sizes.values, 'sizes');
      const dims = resized.map((a) => s[a]!);
      if (p.keepAspectRatioPolicy === 'stretch') {
        resized.forEach((a, i) => {
          out[a] = sizes.values[i]!;
        });
      } else if (dims.every((d): d is number => typeof d === 'number')) {
        const ratios = sizes.values.map((want, i) => want / dims[i]!);
        const r = p.keepAspectRatioPolicy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
        resized.forEach((a, i) => {
          out[a] = Math.round(r * dims[i]!);
        });
      } else {
        for (const a of resized) out[a] = null;
      }
    } else if (sizes.state === 'symbolic') {
      if (sizes.dims.length !== resized.length) {
        throw fail(
          ErrorCode.SHAPE_MISMATCH,
          `sizes has ${sizes.dims.length} values for ${resized.length} axes`,
          'give one value per resized axis',
        );
      }
      checkDims(sizes.dims, 'sizes');
      // Keeping the aspect ratio needs every size as a number; stretching takes them as they are.
      resized.forEach((a, i) => {
        out[a] = p.keepAspectRatioPolicy === 'stretch' ? sizes.dims[i]! : null;
      });
    } else if (sizes.state === 'absent' && scales.state === 'known') {
      if (scales.values.some((v) => !(v > 0))) {
        throw fail(
          ErrorCode.INVALID_ATTRIBUTE,
          `scales [${scales.values.join(',')}] must be positive`,
          'scales are output / input size ratios',
        );
      }
      resized.forEach((a, i) => {
        const d = s[a]!;
        const scale = scales.values[i]!;
        out[a] = typeof d === 'number' ? Math.floor(d * scale) : scale === 1 ? d : null;
      });
    } else {
      for (const a of resized) out[a] = null;
    }
    return [facts(x.dtype, out)];
  },
};

// ---------------------------------------------------------------- grid_sample / one_hot

const gridSample: LayerDef<'grid_sample'> = {
  kind: 'grid_sample',
  summary: 'ONNX GridSample: samples x [N, C, spatial…] at the normalised coordinates of grid [N, out…, k].',
  params: {
    mode: req(oneOf('linear', 'nearest', 'cubic')),
    paddingMode: req(oneOf('zeros', 'border', 'reflection')),
    alignCorners: req(bool),
  },
  inputs: [
    { name: 'x', role: 'data' },
    { name: 'grid', role: 'data' },
  ],
  outputs: [{ name: 'y' }],
  traits: PLAIN,
  infer(ctx) {
    const x = requiredInput(ctx.inputs, 0, 'x');
    const grid = requiredInput(ctx.inputs, 1, 'grid');
    const s = x.shape;
    const g = grid.shape;
    if (s && (s.length < 3 || s.length > 5)) {
      throw fail(
        ErrorCode.INVALID_SHAPE,
        `x must be [N, C, 1 to 3 spatial dims], got ${formatShape(s)}`,
        'GridSample samples 1-D to 3-D inputs',
      );
    }
    if (!g) return [facts(x.dtype, s ? openDims(s.length) : null)];
    const k = s ? s.length - 2 : g.length - 2;
    if (k < 1 || k > 3) {
      throw fail(
        ErrorCode.INVALID_SHAPE,
        `grid ${formatShape(g)} must be [N, 1 to 3 output dims, k]`,
        'GridSample samples 1-D to 3-D inputs',
      );
    }
    if (g.length !== k + 2 || !dimsCompatible(g[k + 1]!, k) || (s && !dimsCompatible(g[0]!, s[0]!))) {
      throw fail(
        ErrorCode.SHAPE_MISMATCH,
        `grid ${formatShape(g)} must be [N, ${k} output dims…, ${k}] for x ${formatShape(s)}`,
        'the grid has the batch of x, then the output spatial dims, then one coordinate per spatial dim',
      );
    }
    return [facts(x.dtype, [s ? unifyDims(s[0]!, g[0]!) : g[0]!, s ? s[1]! : null, ...g.slice(1, k + 1)])];
  },
};

const oneHot: LayerDef<'one_hot'> = {
  kind: 'one_hot',
  summary: 'ONNX OneHot: inserts a depth-sized axis at `axis`, on where the index points and off elsewhere.',
  params: { axis: req(axis) },
  inputs: [
    { name: 'indices', role: 'data' },
    { name: 'depth', role: 'shape' },
    { name: 'values', role: 'data' },
  ],
  outputs: [{ name: 'y' }],
  traits: PLAIN,
  infer(ctx) {
    const indices = requiredInput(ctx.inputs, 0, 'indices');
    const depthF = requiredOperand(ctx, 1, 'depth');
    const values = requiredInput(ctx.inputs, 2, 'values');
    if (indices.dtype === 'string') throw fail(ErrorCode.INVALID_DTYPE, 'indices must be numeric', 'cast indices to int64');
    if (values.shape && !dimsCompatible(dimProduct(values.shape), 2)) {
      throw fail(
        ErrorCode.INVALID_SHAPE,
        `values must hold [off, on], got ${formatShape(values.shape)}`,
        'pass a two-element values tensor',
      );
    }
    let depth: Dim = null;
    const t = depthF?.value;
    if (t) {
      if (t.dtype === 'string' || t.size !== 1) {
        throw fail(ErrorCode.INVALID_SHAPE, `depth must be one number, got ${t.toString()}`, 'pass depth as a numeric scalar');
      }
      depth = Math.trunc(t.getNumber(0));
      if (!(depth >= 1)) throw fail(ErrorCode.INVALID_ATTRIBUTE, `depth ${t.getNumber(0)} must be at least 1`, 'depth counts the classes');
    }
    const q = indices.shape;
    if (!q) return [facts(values.dtype, null)];
    const a = axisIn(ctx.layer.params.axis, q.length + 1, 'axis');
    return [facts(values.dtype, [...q.slice(0, a), depth, ...q.slice(a)])];
  },
};

export const DATA_MOVEMENT_DEFS: { readonly [K in DataMovementKind]: LayerDef<K> } = {
  concatenation,
  shuffle,
  squeeze,
  unsqueeze,
  expand,
  tile,
  depth_space: depthSpace,
  slice,
  split,
  gather,
  scatter,
  padding,
  resize,
  grid_sample: gridSample,
  one_hot: oneHot,
};
