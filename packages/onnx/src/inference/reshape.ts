/** Ops that rearrange dims without computing: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand, Tile. */
import { broadcastSymbolic, type Dim, type Shape } from '@kiln-inference/core';
import { type InferenceResult, type InferenceRule, type NodeView, type TensorInfo, tensor } from './context.js';
import { axisIn, dimProduct, dimProductKeepingSymbol, unknownShape } from './dims.js';
import { shapeFromValue } from './shape-values.js';

/** Resolves a Reshape target (0 = copy, -1 = infer) against the input shape. */
export function reshapeTarget(input: Shape | null, target: readonly Dim[], allowZero: boolean): Dim[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? (input?.[i] ?? null) : d));
  const inferred = out.indexOf(-1);
  if (inferred < 0) return out;
  out[inferred] = null;
  if (!input) return out;
  const known = out.filter((_, i) => i !== inferred);
  const total = dimProduct(input);
  const rest = dimProduct(known);
  if (typeof total === 'number' && typeof rest === 'number' && rest > 0) out[inferred] = total / rest;
  else out[inferred] = cancelSymbols(input, known);
  return out;
}

/** For [batch, 4, 8] → [-1, 32]: removing the target's known factors from the input may leave one symbol. */
function cancelSymbols(input: Shape, known: readonly Dim[]): Dim {
  const remaining = [...input];
  for (const d of known) {
    const at = remaining.indexOf(d);
    if (at >= 0) remaining.splice(at, 1);
    else if (typeof d === 'number') {
      const numbers = remaining.filter((x): x is number => typeof x === 'number');
      const product = numbers.reduce((a, b) => a * b, 1);
      if (product % d !== 0) return null;
      const symbols = remaining.filter((x) => typeof x !== 'number');
      remaining.length = 0;
      remaining.push(...symbols, product / d);
    } else return null;
  }
  return dimProductKeepingSymbol(remaining);
}

/** Known values survive ops that only change how their elements are arranged. */
function passValue(v: NodeView, info: TensorInfo, scalar: boolean): InferenceResult | TensorInfo {
  const value = v.value(0);
  return value ? { info, value: { scalar, dims: value.dims } } : info;
}

const reshape: InferenceRule = (v) => {
  const target = v.value(1);
  const input = v.shape(0);
  const shape = target ? reshapeTarget(input, target.dims, v.int('allowzero', 0) === 1) : shapeFromValue(v, 1);
  const info = tensor(v.dtype(0), shape);
  return [passValue(v, info, shape?.length === 0)];
};

const flatten: InferenceRule = (v) => {
  const x = v.shape(0);
  if (!x) return [tensor(v.dtype(0), [null, null])];
  const axis = v.int('axis', 1);
  const a = axis < 0 ? axis + x.length : axis;
  return [tensor(v.dtype(0), [dimProductKeepingSymbol(x.slice(0, a)), dimProductKeepingSymbol(x.slice(a))])];
};

/** Axes from the attribute (before opset 13) or the second input. */
function axesOf(v: NodeView): number[] | null | undefined {
  const fromAttr = v.ints('axes');
  if (fromAttr) return fromAttr;
  if (!v.has(1)) return undefined;
  return v.numbers(1);
}

const squeeze: InferenceRule = (v) => {
  const x = v.shape(0);
  const axes = axesOf(v);
  if (!x || axes === null) return [tensor(v.dtype(0), null)];
  let shape: Dim[] | null;
  if (axes === undefined) shape = x.some((d) => typeof d !== 'number') ? null : x.filter((d) => d !== 1);
  else {
    const drop = new Set(axes.map((a) => axisIn(a, x.length)));
    shape = x.filter((_, i) => !drop.has(i));
  }
  return [passValue(v, tensor(v.dtype(0), shape), shape?.length === 0)];
};

const unsqueeze: InferenceRule = (v) => {
  const x = v.shape(0);
  const axes = axesOf(v);
  if (!x || !axes) return [tensor(v.dtype(0), null)];
  const rank = x.length + axes.length;
  const inserted = new Set(axes.map((a) => axisIn(a, rank)));
  const rest = [...x];
  const shape = Array.from({ length: rank }, (_, i) => (inserted.has(i) ? 1 : (rest.shift() ?? null)));
  return [passValue(v, tensor(v.dtype(0), shape), false)];
};

const transpose: InferenceRule = (v) => {
  const x = v.shape(0);
  if (!x) return [tensor(v.dtype(0), null)];
  const perm = v.ints('perm') ?? x.map((_, i) => x.length - 1 - i);
  return [
    tensor(
      v.dtype(0),
      perm.map((p) => x[p] ?? null),
    ),
  ];
};

const expand: InferenceRule = (v) => {
  const x = v.shape(0);
  const target = shapeFromValue(v, 1);
  if (!x || !target) return [tensor(v.dtype(0), target && x ? unknownShape(Math.max(x.length, target.length)) : null)];
  return [tensor(v.dtype(0), broadcastSymbolic(x, target))];
};

const tile: InferenceRule = (v) => {
  const x = v.shape(0);
  const repeats = v.numbers(1);
  if (!x) return [tensor(v.dtype(0), null)];
  if (!repeats) return [tensor(v.dtype(0), unknownShape(x.length))];
  return [
    tensor(
      v.dtype(0),
      x.map((d, i) => (repeats[i] === 1 ? d : typeof d === 'number' ? d * (repeats[i] ?? 1) : null)),
    ),
  ];
};

export const RESHAPE_RULES: Record<string, InferenceRule> = {
  Reshape: reshape,
  Flatten: flatten,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Transpose: transpose,
  Expand: expand,
  Tile: tile,
};
