/** Arithmetic on possibly symbolic dims: concrete results when both sides are numbers, else unknown. */
import type { Dim, Shape } from '@kiln-inference/core';

export function dimProduct(dims: readonly Dim[]): Dim {
  let p = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return dims.length === 1 ? d : null;
    p *= d;
  }
  return p;
}

/** Product of dims; a single symbolic factor with the rest equal to 1 keeps its name. */
export function dimProductKeepingSymbol(dims: readonly Dim[]): Dim {
  const notOne = dims.filter((d) => d !== 1);
  if (notOne.length === 1) return notOne[0]!;
  return dimProduct(notOne);
}

export function dimAdd(a: Dim, b: Dim): Dim {
  return typeof a === 'number' && typeof b === 'number' ? a + b : null;
}

/** Normalises an axis against a known rank; null when out of range. */
export function axisIn(axis: number, rank: number): number | null {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : null;
}

export function unknownShape(rank: number): Dim[] {
  return new Array<Dim>(rank).fill(null);
}

export function isKnownShape(shape: Shape | null): shape is Shape {
  return shape !== null;
}
