/** Ops whose outputs describe shapes: Shape, Size, ConstantOfShape, Range, NonZero. */
import type { Shape } from '@kiln-inference/core';
import { type InferenceRule, type KnownValue, type NodeView, tensor } from './context.js';
import { dimProduct, unknownShape } from './dims.js';

/** Output shape described by a known 1-D value (ConstantOfShape, Expand); dims may be symbolic. */
export function shapeFromValue(v: NodeView, i: number): Shape | null {
  const value = v.value(i);
  if (value) return value.dims.map((d) => (typeof d === 'number' && d < 0 ? null : d));
  const s = v.shape(i);
  if (s?.length !== 1 || typeof s[0] !== 'number') return null;
  const rank = v.checkedRank(s[0], `the rank given by the length of input '${v.node.inputs[i] ?? i}'`);
  return unknownShape(rank);
}

const shapeOp: InferenceRule = (v) => {
  const x = v.shape(0);
  if (!x) return [tensor('int64', [null])];
  const rank = x.length;
  const clamp = (a: number) => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
  const start = clamp(v.int('start', 0));
  const end = clamp(v.int('end', rank));
  const dims = x.slice(start, Math.max(start, end));
  const value: KnownValue = { scalar: false, dims: [...dims] };
  return [{ info: tensor('int64', [dims.length]), value }];
};

const size: InferenceRule = (v) => {
  const x = v.shape(0);
  const total = x ? dimProduct(x) : null;
  const info = tensor('int64', []);
  return [total === null ? info : { info, value: { scalar: true, dims: [total] } }];
};

const constantOfShape: InferenceRule = (v) => {
  const fill = v.attr('value', 'tensor');
  return [tensor(fill?.dtype ?? 'float32', shapeFromValue(v, 0))];
};

const range: InferenceRule = (v) => {
  const [start, limit, delta] = [v.numbers(0), v.numbers(1), v.numbers(2)];
  if (start?.length === 1 && limit?.length === 1 && delta?.length === 1 && delta[0] !== 0) {
    return [tensor(v.dtype(0), [Math.max(Math.ceil((limit[0]! - start[0]!) / delta[0]!), 0)])];
  }
  return [tensor(v.dtype(0), [null])];
};

const nonZero: InferenceRule = (v) => [tensor('int64', [v.rank(0), null])];

export const SHAPE_VALUE_RULES: Record<string, InferenceRule> = {
  Shape: shapeOp,
  Size: size,
  ConstantOfShape: constantOfShape,
  Range: range,
  NonZero: nonZero,
};
