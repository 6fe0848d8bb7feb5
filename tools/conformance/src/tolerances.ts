/**
 * The ONE tolerance table of the runner. FP32 outputs compare with rtol = atol = 1e-4
 * (Polygraphy semantics: an element fails only when both are exceeded). Every looser entry
 * says why.
 */
import type { DType } from '@kiln-inference/core';
import type { Tolerance } from '@kiln-inference/testkit';

export const DEFAULT_TOLERANCE: Required<Tolerance> = { rtol: 1e-4, atol: 1e-4 };

interface ToleranceRule {
  /** Output dtype the rule applies to, or an op type present in the model. */
  dtype?: DType;
  op?: string;
  tolerance: Required<Tolerance>;
  why: string;
}

export const TOLERANCE_RULES: readonly ToleranceRule[] = [
  {
    dtype: 'float16',
    tolerance: { rtol: 1e-3, atol: 1e-3 },
    why: 'one float16 ulp is ~9.8e-4 relative; kiln computes in float32 and rounds once, the reference may round per step',
  },
  {
    dtype: 'bfloat16',
    tolerance: { rtol: 1e-2, atol: 1e-2 },
    why: 'one bfloat16 ulp is ~7.8e-3 relative (8-bit mantissa); intermediate rounding differs by an ulp',
  },
  {
    dtype: 'float8e4m3fn',
    tolerance: { rtol: 0.125, atol: 0 },
    why: 'one e4m3 ulp is 1/8 relative; a one-ulp difference comes from rounding the float32 result differently',
  },
  { dtype: 'float8e4m3fnuz', tolerance: { rtol: 0.125, atol: 0 }, why: 'as float8e4m3fn: one ulp is 1/8 relative' },
  { dtype: 'float8e5m2', tolerance: { rtol: 0.25, atol: 0 }, why: 'one e5m2 ulp is 1/4 relative (2-bit mantissa)' },
  { dtype: 'float8e5m2fnuz', tolerance: { rtol: 0.25, atol: 0 }, why: 'as float8e5m2: one ulp is 1/4 relative' },
  { dtype: 'float4e2m1', tolerance: { rtol: 0.5, atol: 0 }, why: 'one e2m1 ulp is 1/2 relative (1-bit mantissa)' },
];

/**
 * Ops whose outputs are random draws. ONNX leaves the generator unspecified, so values differ
 * between conforming implementations (numpy's stream cannot be reproduced): for models using
 * them, outputs are compared by dtype and shape only.
 */
export const RANDOM_OPS: ReadonlySet<string> = new Set([
  'Bernoulli',
  'RandomUniform',
  'RandomUniformLike',
  'RandomNormal',
  'RandomNormalLike',
  'Multinomial',
]);

export function valuesComparable(ops: readonly string[]): boolean {
  return !ops.some((op) => RANDOM_OPS.has(op));
}

/** The tolerance for one output: the loosest matching rule, else the default. */
export function toleranceFor(dtype: DType, ops: readonly string[] = []): Required<Tolerance> {
  let tol = DEFAULT_TOLERANCE;
  for (const rule of TOLERANCE_RULES) {
    const matches = (rule.dtype === undefined || rule.dtype === dtype) && (rule.op === undefined || ops.includes(rule.op));
    if (matches) tol = { rtol: Math.max(tol.rtol, rule.tolerance.rtol), atol: Math.max(tol.atol, rule.tolerance.atol) };
  }
  return tol;
}
