/**
 * Optimization profiles (TensorRT's min/opt/max per input). One concept for every build:
 * `buildPlan` takes one (tactics are timed at the `opt` shapes, runs outside the ranges are
 * refused), and the hybrid path uses one instead of the shape-keyed engine cache: one engine is
 * built per engine node, with every dimension that varies within the profile left symbolic, and
 * it serves any shape inside the profile. A shape outside is refused with a KilnError rather
 * than silently rebuilt.
 */
import { type Dim, ErrorCode, KilnError, Tensor, type TensorDesc } from '@kiln-inference/core';
import type { RuntimeValue } from '@kiln-inference/cpu-runtime';
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
  if (typeof profile !== 'object' || profile === null || Array.isArray(profile)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'an optimization profile is an object of { min, opt, max } keyed by input name', {
      hint: 'e.g. { x: { min: [1, 3, 32, 32], opt: [1, 3, 48, 192], max: [8, 3, 64, 640] } }',
    });
  }
  for (const [name, r] of Object.entries(profile)) {
    const bad = (why: string) =>
      new KilnError(ErrorCode.INVALID_ARGUMENT, `optimization profile for '${name}': ${why}`, {
        hint: 'give min, opt and max of the same rank with min ≤ opt ≤ max in every dimension',
      });
    if (typeof r !== 'object' || r === null || ![r.min, r.opt, r.max].every(Array.isArray)) throw bad('min, opt and max must be arrays');
    if (r.min.length !== r.opt.length || r.opt.length !== r.max.length)
      throw bad(`ranks differ (min ${r.min.length}, opt ${r.opt.length}, max ${r.max.length})`);
    r.min.forEach((lo, k) => {
      const opt = r.opt[k]!;
      const hi = r.max[k]!;
      if (![lo, opt, hi].every(Number.isSafeInteger) || lo < 0 || !(lo <= opt && opt <= hi))
        throw bad(`dimension ${k} has min ${lo}, opt ${opt}, max ${hi}`);
    });
  }
}

/**
 * Checks a profile against the network inputs it is for: every name is an input, every range has
 * the input's rank, and a dimension the model fixes is not given another size.
 */
export function checkProfileInputs(profile: OptimizationProfile, inputs: readonly TensorDesc[]): void {
  validateProfile(profile);
  const byName = new Map(inputs.map((d) => [d.name, d]));
  for (const [name, range] of Object.entries(profile)) {
    const input = byName.get(name);
    if (!input) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `optimization profile names '${name}', which is not an input of the model`, {
        hint: `inputs are: ${inputs.map((d) => d.name).join(', ') || '(none)'}`,
      });
    }
    const declared = input.shape;
    if (!declared) continue; // unknown rank: any rank is the model's own
    if (declared.length !== range.min.length) {
      throw new KilnError(
        ErrorCode.INVALID_ARGUMENT,
        `optimization profile for '${name}' has rank ${range.min.length}, but the input is declared ${formatDims(declared)} (rank ${declared.length})`,
        { hint: `give ${declared.length} dimensions for '${name}'` },
      );
    }
    declared.forEach((d, k) => {
      if (typeof d === 'number' && d >= 0 && (range.min[k] !== d || range.max[k] !== d)) {
        throw new KilnError(
          ErrorCode.INVALID_ARGUMENT,
          `optimization profile for '${name}' gives dimension ${k} the range ${range.min[k]}..${range.max[k]}, but the model fixes it at ${d}`,
          { hint: `use ${d} for dimension ${k} of '${name}' in min, opt and max (declared ${formatDims(declared)})` },
        );
      }
    });
  }
}

/** A profile that fixes every listed input at one shape (min = opt = max), as `--shapes` does. */
export function fixedProfile(shapes: Readonly<Record<string, readonly number[]>>): OptimizationProfile {
  return Object.fromEntries(Object.entries(shapes).map(([name, s]) => [name, { min: [...s], opt: [...s], max: [...s] }]));
}

/** The `opt` shape of every input: the shapes tactics are timed at. */
export function optShapes(profile: OptimizationProfile): Map<string, number[]> {
  return new Map(Object.entries(profile).map(([name, r]) => [name, [...r.opt]]));
}

/** The `max` shape of every input: the shapes the plan's memory is sized for. */
export function maxShapes(profile: OptimizationProfile): Map<string, number[]> {
  return new Map(Object.entries(profile).map(([name, r]) => [name, [...r.max]]));
}

/** The build shape of one input: fixed where min = max, a symbol where the profile lets it vary. */
export function profileShape(name: string, range: ShapeRange): Dim[] {
  return range.min.map((lo, k) => (lo === range.max[k] ? lo : `${name}:${k}`));
}

/** "1x3x32..64x192": fixed dims as one number, varying ones as min..max. */
export function describeRange(range: ShapeRange): string {
  return range.min.map((lo, k) => (lo === range.max[k] ? `${lo}` : `${lo}..${range.max[k]}`)).join('x');
}

function formatDims(shape: readonly Dim[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

function isWithin(range: ShapeRange, shape: readonly number[]): boolean {
  return shape.length === range.min.length && shape.every((d, k) => d >= range.min[k]! && d <= range.max[k]!);
}

/** Throws unless every input lies within its range (an engine node of a hybrid graph). */
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
    if (!isWithin(range, s.shape)) {
      throw new KilnError(
        ErrorCode.FEED_SHAPE_MISMATCH,
        `engine '${segment}': input '${name}' has shape [${s.shape.join(',')}], outside its optimization profile [${describeRange(range)}]`,
        {
          node: { name: segment, op: 'KilnEngine' },
          hint: `feed shapes within the profile, or widen the profile of '${name}' and rebuild`,
        },
      );
    }
  });
}

/** Throws unless every fed tensor lies within its input's range (a plan built with a profile). */
export function checkFeedsWithinProfile(profile: OptimizationProfile, feeds: ReadonlyMap<string, RuntimeValue>): void {
  for (const [name, range] of Object.entries(profile)) {
    const fed = feeds.get(name);
    if (!(fed instanceof Tensor) || isWithin(range, fed.shape)) continue;
    const { shape } = fed;
    throw new KilnError(
      ErrorCode.FEED_SHAPE_MISMATCH,
      `input '${name}' was fed shape [${shape.join(',')}], outside the plan's optimization profile [${describeRange(range)}]`,
      {
        hint: `feed '${name}' within min [${range.min.join(',')}] and max [${range.max.join(',')}], or rebuild the plan with a wider profile`,
      },
    );
  }
}
