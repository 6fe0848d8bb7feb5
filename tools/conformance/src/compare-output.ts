/** Compares one produced output with its reference; undefined when it matches. */
import type { Tensor } from '@kiln-inference/core';
import { compareTensors, formatCompareReport } from '@kiln-inference/testkit';
import type { CaseOutcome } from './suite.js';
import { toleranceFor, valuesComparable } from './tolerances.js';

export function compareOutput(
  name: string,
  actual: Tensor | undefined,
  expected: Tensor,
  ops: readonly string[] = [],
): CaseOutcome | undefined {
  const fail = (reason: string): CaseOutcome => ({ status: 'fail', category: 'numeric-mismatch', reason: `output '${name}': ${reason}` });
  if (!actual) return { status: 'fail', category: 'other', reason: `output '${name}' was not produced` };
  if (actual.dtype !== expected.dtype) return fail(`dtype ${actual.dtype} differs from expected ${expected.dtype}`);
  if (!valuesComparable(ops)) {
    const same = actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
    return same ? undefined : fail(`shape [${actual.shape.join(',')}] differs from expected [${expected.shape.join(',')}]`);
  }
  const tol = toleranceFor(expected.dtype, ops);
  const report = compareTensors(actual, expected, tol);
  if (report.pass) return undefined;
  return fail(`${formatCompareReport(report, expected.shape)} (rtol ${tol.rtol}, atol ${tol.atol})`);
}
