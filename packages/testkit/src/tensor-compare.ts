/**
 * Tensor comparison with Polygraphy semantics: an element fails only when both
 * |a−b| > atol and |a−b|/|b| > rtol. NaN matches only NaN; ±Inf matches only the same Inf.
 * The report carries max/mean/p99 of absolute and relative error and the worst index.
 */
import { formatShape, type Tensor } from '@kiln-inference/core';

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

export interface CompareReport {
  pass: boolean;
  /** Why the comparison failed before looking at values (dtype/shape), if it did. */
  structural?: string;
  mismatches: number;
  total: number;
  maxAbs: number;
  meanAbs: number;
  p99Abs: number;
  maxRel: number;
  meanRel: number;
  p99Rel: number;
  /** Flat index of the element with the largest absolute error (or the first NaN/Inf mismatch). */
  worstIndex: number;
  worstActual?: number | string;
  worstExpected?: number | string;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;
}

function emptyReport(total: number, structural: string): CompareReport {
  return {
    pass: false,
    structural,
    mismatches: total,
    total,
    maxAbs: 0,
    meanAbs: 0,
    p99Abs: 0,
    maxRel: 0,
    meanRel: 0,
    p99Rel: 0,
    worstIndex: -1,
  };
}

export function compareTensors(actual: Tensor, expected: Tensor, tol: Tolerance = {}): CompareReport {
  const rtol = tol.rtol ?? 1e-5;
  const atol = tol.atol ?? 1e-5;
  const total = expected.size;
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return emptyReport(total, `shape ${formatShape(actual.shape)} differs from expected ${formatShape(expected.shape)}`);
  }
  if (expected.dtype === 'string' || actual.dtype === 'string') {
    if (actual.dtype !== expected.dtype) return emptyReport(total, `dtype ${actual.dtype} differs from expected ${expected.dtype}`);
    const a = actual.data as string[];
    const e = expected.data as string[];
    let mismatches = 0;
    let worst = -1;
    for (let i = 0; i < total; i++) {
      if (a[i] !== e[i]) {
        mismatches++;
        if (worst < 0) worst = i;
      }
    }
    const r = emptyReport(total, '');
    delete r.structural;
    return { ...r, pass: mismatches === 0, mismatches, worstIndex: worst, worstActual: a[worst], worstExpected: e[worst] };
  }
  const a = actual.toFloat64();
  const e = expected.toFloat64();
  const abs = new Float64Array(total);
  const rel = new Float64Array(total);
  let mismatches = 0;
  let worstIndex = -1;
  let worstErr = -1;
  let sumAbs = 0;
  let sumRel = 0;
  let finiteCount = 0;
  for (let i = 0; i < total; i++) {
    const x = a[i]!;
    const y = e[i]!;
    let bad: boolean;
    let d: number;
    let r: number;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      bad = !(Number.isNaN(x) && Number.isNaN(y));
      d = bad ? Infinity : 0;
      r = d;
    } else if (!Number.isFinite(x) || !Number.isFinite(y)) {
      bad = x !== y;
      d = bad ? Infinity : 0;
      r = d;
    } else {
      d = Math.abs(x - y);
      r = y === 0 ? (d === 0 ? 0 : Infinity) : d / Math.abs(y);
      bad = d > atol && r > rtol;
    }
    abs[i] = d;
    rel[i] = r;
    if (Number.isFinite(d)) {
      sumAbs += d;
      sumRel += Number.isFinite(r) ? r : 0;
      finiteCount++;
    }
    if (bad) mismatches++;
    // The worst element is the worst failing one when any fail, else the largest error.
    const score = (bad ? 1e300 : 0) + (Number.isFinite(d) ? d : 1e299);
    if (score > worstErr) {
      worstErr = score;
      worstIndex = i;
    }
  }
  const absSorted = abs.slice().sort();
  const relSorted = rel.slice().sort();
  return {
    pass: mismatches === 0,
    mismatches,
    total,
    maxAbs: total ? absSorted[total - 1]! : 0,
    meanAbs: finiteCount ? sumAbs / finiteCount : 0,
    p99Abs: quantile(absSorted, 0.99),
    maxRel: total ? relSorted[total - 1]! : 0,
    meanRel: finiteCount ? sumRel / finiteCount : 0,
    p99Rel: quantile(relSorted, 0.99),
    worstIndex,
    ...(worstIndex >= 0 ? { worstActual: a[worstIndex]!, worstExpected: e[worstIndex]! } : {}),
  };
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = index % shape[i]!;
    index = Math.floor(index / shape[i]!);
  }
  return out;
}

export function formatCompareReport(report: CompareReport, shape: readonly number[] = []): string {
  if (report.structural) return report.structural;
  const g = (x: number) => x.toPrecision(4);
  const where = report.worstIndex >= 0 ? `[${unravel(report.worstIndex, shape).join(',')}]` : '-';
  return (
    `${report.mismatches}/${report.total} elements out of tolerance; ` +
    `abs err max ${g(report.maxAbs)} mean ${g(report.meanAbs)} p99 ${g(report.p99Abs)}; ` +
    `rel err max ${g(report.maxRel)} mean ${g(report.meanRel)} p99 ${g(report.p99Rel)}; ` +
    `worst at ${where}: actual ${report.worstActual} expected ${report.worstExpected}`
  );
}

/** Throws an Error with a full report when the tensors differ beyond tolerance. */
export function expectTensorClose(actual: Tensor, expected: Tensor, tol: Tolerance = {}): CompareReport {
  const report = compareTensors(actual, expected, tol);
  if (!report.pass) {
    throw new Error(`tensors differ (rtol ${tol.rtol ?? 1e-5}, atol ${tol.atol ?? 1e-5}): ${formatCompareReport(report, expected.shape)}`);
  }
  return report;
}
