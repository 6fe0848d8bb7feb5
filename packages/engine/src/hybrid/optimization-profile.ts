/**
 * Optimization profiles (TensorRT's min/opt/max per input): the explicit alternative to the
 * shape-keyed engine cache. One engine is built per engine node, with every dimension that
 * varies within the profile left symbolic, and it serves any shape inside the profile; a shape
 * outside it is refused with a KilnError rather than silently rebuilt.
 */
import { type Dim, ErrorCode, KilnError } from '@kiln/core';
import type { InputSignature } from './value-signature.js';

export interface ShapeRange {
  min: readonly number[];
  /** The shape to tune for; recorded in the plan's build, within [min, max]. */
  opt: readonly number[];
  max: readonly number[];
}

/** Ranges keyed by value name: a segment uses the profile when every tensor input it reads has a range. */
export type OptimizationProfile = Readonly<Record<string, ShapeRange>>;

export function validateProfile(profile: OptimizationProfile): void {
  for (const [name, r] of Object.entries(profile)) {
    const bad = (why: string) =>
      new KilnError(ErrorCode.INVALID_ARGUMENT, `optimization profile for '${name}': ${why}`, {
        hint: 'give min, opt and max of the same rank with min ≤ opt ≤ max in every dimension',
      });
    if (r.min.length !== r.opt.length || r.opt.length !== r.max.length)
      throw bad(`ranks differ (min ${r.min.length}, opt ${r.opt.length}, max ${r.max.length})`);
    r.min.forEach((lo, k) => {
      const opt = r.opt[k]!;
      const hi = r.max[k]!;
      if (!Number.isInteger(lo) || lo < 0 || !(lo <= opt && opt <= hi)) throw bad(`dimension ${k} has min ${lo}, opt ${opt}, max ${hi}`);
    });
  }
}

/** The build shape of one input: fixed where min = max, a symbol where the profile lets it vary. */
export function profileShape(name: string, range: ShapeRange): Dim[] {
  return range.min.map((lo, k) => (lo === range.max[k] ? lo : `${name}:${k}`));
}

function describe(range: ShapeRange): string {
  return range.min.map((lo, k) => (lo === range.max[k] ? `${lo}` : `${lo}..${range.max[k]}`)).join('x');
}

/** Throws unless every input lies within its range. */
export function checkWithinProfile(
  segment: string,
  names: readonly string[],
  profile: OptimizationProfile,
  inputs: readonly InputSignature[],
): void {
  names.forEach((name, i) => {
    const range = profile[name];
    const s = inputs[i]!;
    if (!range || s.kind !== 'tensor') return;
    const inside = s.shape.length === range.min.length && s.shape.every((d, k) => d >= range.min[k]! && d <= range.max[k]!);
    if (!inside) {
      throw new KilnError(
        ErrorCode.FEED_SHAPE_MISMATCH,
        `engine '${segment}': input '${name}' has shape [${s.shape.join(',')}], outside its optimization profile [${describe(range)}]`,
        {
          node: { name: segment, op: 'KilnEngine' },
          hint: `feed shapes within the profile, or widen the profile of '${name}' and rebuild`,
        },
      );
    }
  });
}
