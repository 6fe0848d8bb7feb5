/**
 * Arithmetic over symbolic dims (`Dim = number | string | null`) for LayerDef inference. A
 * number is exact, a string is a named unknown that stays the same wherever it appears
 * ('batch'), null is unknown. Results are as exact as the inputs allow: a symbol survives only
 * where the dim passes through unchanged (times 1, plus 0, a stride-1 window of span 1); any
 * other arithmetic on a symbol gives null.
 */
import type { DType } from '../dtype.js';
import { ErrorCode, KilnError, type KilnErrorOptions } from '../errors.js';
import type { ValueFacts } from '../layer-def.js';
import { checkCount } from '../resource-limits.js';
import { type Dim, formatShape, type Shape } from '../shape.js';

/** Facts for a tensor of `dtype` and `shape` (null = unknown rank). */
export function facts(dtype: DType, shape: Shape | null): ValueFacts {
  return { dtype, shape };
}

/**
 * `rank` unknown dims. The rank may come from the length of an operand (a shape, axes or pads
 * input whose values are unknown), which a hostile model can declare as 2^31: it is checked
 * against the maxRank limit before anything is sized by it.
 */
export function openDims(rank: number, what = 'the output rank'): Dim[] {
  checkCount('maxRank', rank, what);
  return new Array<Dim>(rank).fill(null);
}

/** The input's shape, or null when its rank is unknown or nothing is known about it. */
export function knownShape(f: ValueFacts | undefined): Shape | null {
  return f?.shape ?? null;
}

/** The input's rank, or null when unknown. */
export function knownRank(f: ValueFacts | undefined): number | null {
  return f?.shape ? f.shape.length : null;
}

/** The shape as numbers when every dim is known, else null. */
export function staticDims(shape: Shape | null): number[] | null {
  return shape?.every((d) => typeof d === 'number') ? (shape as number[]) : null;
}

/** True when two dims may be the same size (a mismatch is certain only for two different numbers). */
export function dimsCompatible(a: Dim, b: Dim): boolean {
  return !(typeof a === 'number' && typeof b === 'number' && a !== b);
}

/** The more specific of two dims known to be equal: a number beats a symbol, a symbol beats null. */
export function unifyDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  if (a === null) return b;
  if (b === null) return a;
  return a === b ? a : null;
}

/** numpy broadcasting of two dims; undefined when they certainly cannot broadcast. */
function broadcastDim(x: Dim, y: Dim): Dim | undefined {
  if (x === 1) return y;
  if (y === 1) return x;
  if (x === y) return x;
  if (typeof x === 'number' && typeof y === 'number') return undefined;
  // A number other than 1 facing an unknown: the unknown must be 1 or that number.
  if (typeof x === 'number') return x;
  if (typeof y === 'number') return y;
  // Two different symbols, or a symbol and an unknown: either may be 1.
  return null;
}

/**
 * Multidirectional (numpy) broadcasting of possibly symbolic shapes. Throws SHAPE_MISMATCH when
 * two known dims differ and neither is 1; `context` names the layer.
 */
export function broadcastDims(shapes: readonly Shape[], context?: KilnErrorOptions): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = new Array<Dim>(rank).fill(1);
  for (const s of shapes) {
    const offset = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = broadcastDim(out[offset + i]!, s[i]!);
      if (d === undefined) {
        throw new KilnError(
          ErrorCode.SHAPE_MISMATCH,
          `shapes ${shapes.map((x) => formatShape(x)).join(' and ')} cannot be broadcast together (dim ${i - s.length} differs)`,
          { ...context, hint: context?.hint ?? 'each pair of trailing dims must be equal or one of them 1' },
        );
      }
      out[offset + i] = d;
    }
  }
  return out;
}

/** Sum of dims: exact for numbers, a symbol plus zeros keeps the symbol, anything else null. */
export function dimSum(dims: readonly Dim[]): Dim {
  let total = 0;
  let symbol: string | undefined;
  for (const d of dims) {
    if (d === null) return null;
    if (typeof d === 'string') {
      if (symbol !== undefined) return null;
      symbol = d;
    } else total += d;
  }
  if (symbol === undefined) return total;
  return total === 0 ? symbol : null;
}

/** Product of dims: exact for numbers, zero if any dim is 0, a symbol times ones keeps the symbol, else null. */
export function dimProduct(dims: readonly Dim[]): Dim {
  if (dims.includes(0)) return 0;
  let product = 1;
  let symbol: string | undefined;
  for (const d of dims) {
    if (d === null) return null;
    if (typeof d === 'string') {
      if (symbol !== undefined) return null;
      symbol = d;
    } else product *= d;
  }
  if (symbol === undefined) return product;
  return product === 1 ? symbol : null;
}

/** The geometry of a sliding window along one dim (conv, pooling). */
/**
 * Normalises an axis against a known rank (negative counts from the end); throws
 * INVALID_ATTRIBUTE naming `what` when out of range. `rank` may be one more for insert positions.
 */
export function axisIn(axis: number, rank: number, what: string, context?: KilnErrorOptions): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `${what} ${axis} is out of range for rank ${rank}`, {
      ...context,
      hint: context?.hint ?? `use an axis in [${-rank}, ${rank - 1}]`,
    });
  }
  return a;
}

/** Throws INVALID_SHAPE unless the rank is at least `min`; `what` says which input. */
export function requireRank(shape: Shape, min: number, what: string, context?: KilnErrorOptions): void {
  if (shape.length < min) {
    throw new KilnError(ErrorCode.INVALID_SHAPE, `${what} ${formatShape(shape)} needs rank ≥ ${min}`, context);
  }
}

/**
 * The values of a small integer tensor known at build time (a shape operand), as numbers;
 * null when the value is unknown. Throws INVALID_ARGUMENT for a non-integer dtype or an entry
 * beyond the safe-integer range.
 */
export function knownIntValues(f: ValueFacts | undefined, what: string, context?: KilnErrorOptions): number[] | null {
  const t = f?.value;
  if (!t) return null;
  if (t.dtype === 'string' || !(t.dtype.startsWith('int') || t.dtype.startsWith('uint'))) {
    throw new KilnError(ErrorCode.INVALID_DTYPE, `${what} must be an integer tensor, not ${t.dtype}`, context);
  }
  const out: number[] = [];
  const data = t.data as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${what} holds ${String(v)}, beyond the integers kiln handles`, context);
    }
    out.push(n);
  }
  return out;
}

/**
 * The entries of a shape operand (reshape target, expand shape, sizes) as dims: its known value
 * when there is one, else its symbolic `dims` (Shape → Concat keeps 'N'), else null.
 */
export function shapeOperandDims(f: ValueFacts | undefined, what: string, context?: KilnErrorOptions): Dim[] | null {
  const values = knownIntValues(f, what, context);
  if (values) return values;
  return f?.dims ? [...f.dims] : null;
}
