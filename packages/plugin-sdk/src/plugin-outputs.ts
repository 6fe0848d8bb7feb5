/**
 * What a plugin says about its outputs: one dtype and shape per output, from its inputs' dtypes
 * and shapes and its fields. A dim is a size, a symbolic name passed through from an input,
 * null when unknowable, or `upTo(n)` when it depends on the data but never exceeds n (NonZero,
 * Unique): the kernel's result is checked against that bound at run time.
 */
import type { DType, Shape } from '@kiln-inference/core';

/** A data-dependent dim with an upper bound (null: no bound is known). */
export interface UpperBound {
  readonly upTo: number | null;
}

export type OutputDim = number | string | null | UpperBound;

export interface OutputDecl {
  readonly dtype: DType;
  /** null when even the rank is unknown. */
  readonly shape: readonly OutputDim[] | null;
}

/** What is known about one input: at conversion time shapes may be symbolic, at run time they are sizes. */
export interface InputFacts {
  readonly dtype: DType;
  readonly shape: Shape | null;
}

/** A dim decided by the data, at most `bound` (or unbounded, null). */
export function upTo(bound: number | null): UpperBound {
  return { upTo: bound };
}

export function isUpperBound(dim: OutputDim): dim is UpperBound {
  return typeof dim === 'object' && dim !== null;
}

/** The number of elements of a shape when every dim is a size; null otherwise. */
export function elementCount(shape: Shape | null): number | null {
  if (!shape) return null;
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return n;
}

/** The shape a Network declares for an output: a data-dependent dim is unknown there. */
export function declaredShape(decl: OutputDecl): Shape | null {
  return decl.shape ? decl.shape.map((d) => (isUpperBound(d) ? null : d)) : null;
}

/** Why `shape` (a kernel's result) breaks what `decl` promised, or undefined when it keeps it. */
export function outputShapeProblem(decl: OutputDecl, shape: readonly number[]): string | undefined {
  if (!decl.shape) return undefined;
  if (decl.shape.length !== shape.length) return `rank ${shape.length}, but outputs() said rank ${decl.shape.length}`;
  for (let i = 0; i < shape.length; i++) {
    const d = decl.shape[i]!;
    if (typeof d === 'number' && d !== shape[i]) return `dim ${i} is ${shape[i]}, but outputs() said ${d}`;
    if (isUpperBound(d) && d.upTo !== null && shape[i]! > d.upTo) return `dim ${i} is ${shape[i]}, over its bound upTo(${d.upTo})`;
  }
  return undefined;
}
