/**
 * Entropy (KL-divergence) calibration, the algorithm of S. Migacz, "8-bit Inference with
 * TensorRT" (GTC 2017), which TensorRT's EntropyCalibration2 descends from. Over a histogram
 * of |x| with bins c[0..n), each candidate i from `startBin` to n (inclusive: i = n clips nothing)
 * is scored:
 *   P = c[0..i) with the tail c[i..n) added to its last bin;
 *   Q = c[0..i) (without the tail, as on the slides) summed into `levels` groups (floor(i/levels)
 *       bins each, the last group taking the remainder), each group's sum spread evenly over
 *       that group's nonzero bins;
 *   score = KL(P‖Q) with both normalised; +∞ where P > 0 but Q = 0 (a tail folded into an empty
 *       bin), so such candidates are never chosen.
 * The threshold is i · binWidth for the first i with the least score.
 *
 * One departure from the slides: bin 0's count is replaced by bin 1's before scoring. Exact zeros
 * (half of every ReLU output, all of a padded border) pile into bin 0; left there, that spike
 * dominates the score, every candidate that spreads it over a wider first group looks bad, and
 * the smallest thresholds win (an MNIST CNN's ReLU outputs were clipped at an eighth of their
 * range, and 12 of 32 predictions changed; with the replacement none did).
 *
 * Cost: Σ P log P comes from prefix sums and Q is constant within a group, so a candidate costs
 * O(levels) rather than O(i).
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { AbsHistogram, DEFAULT_HISTOGRAM_BINS } from './abs-histogram.js';
import type { Calibrator, RangeCollector } from './calibrator.js';
import { INT8_LIMIT } from './symmetric-scale.js';

export interface EntropyOptions {
  /** Histogram size (default 2048). */
  bins?: number;
  /** The smallest candidate threshold, in bins (default 128). */
  startBin?: number;
  /** Quantization levels Q is reduced to (default 128: the nonnegative int8 codes). */
  levels?: number;
}

const xLogX = (x: number) => (x > 0 ? x * Math.log(x) : 0);

/** The threshold in bins (a count i of kept bins) that minimises KL(P‖Q); see the file comment. */
export function entropyThresholdBin(histogram: ArrayLike<number>, options: EntropyOptions = {}): number {
  const n = histogram.length;
  const counts = Float64Array.from(histogram);
  if (n > 1) counts[0] = counts[1]!;
  const levels = options.levels ?? INT8_LIMIT + 1;
  const startBin = Math.min(options.startBin ?? INT8_LIMIT + 1, n);
  // prefix[k] = Σ_{j<k} c[j]; prefixNonzero: how many of them are > 0; prefixXLogX: Σ c log c.
  const prefix = new Float64Array(n + 1);
  const prefixNonzero = new Float64Array(n + 1);
  const prefixXLogX = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) {
    const c = counts[k]!;
    prefix[k + 1] = prefix[k]! + c;
    prefixNonzero[k + 1] = prefixNonzero[k]! + (c > 0 ? 1 : 0);
    prefixXLogX[k + 1] = prefixXLogX[k]! + xLogX(c);
  }
  const total = prefix[n]!;
  if (total === 0) return n;

  let best = n;
  let bestScore = Number.POSITIVE_INFINITY;
  for (let i = Math.max(startBin, 1); i <= n; i++) {
    const score = klScore(i);
    if (score < bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;

  function klScore(i: number): number {
    const tail = total - prefix[i]!;
    const kept = prefix[i]!;
    // The tail folded into an empty bin: P > 0 where Q = 0.
    if (kept === 0 || (tail > 0 && counts[i - 1] === 0)) return Number.POSITIVE_INFINITY;
    const last = counts[i - 1]! + tail;
    const sumPLogP = prefixXLogX[i - 1]! + xLogX(last);
    // Σ P log Q over groups: Q is sum/nonzero on each nonzero bin; P sums to the group's sum
    // (plus the tail in the last group).
    const width = Math.max(1, Math.floor(i / levels));
    const groups = Math.min(levels, i);
    let sumPLogQ = 0;
    for (let g = 0; g < groups; g++) {
      const from = g * width;
      const to = g === groups - 1 ? i : from + width;
      const sum = prefix[to]! - prefix[from]!;
      const pMass = g === groups - 1 ? sum + tail : sum;
      if (pMass === 0) continue;
      if (sum === 0) return Number.POSITIVE_INFINITY;
      sumPLogQ += pMass * Math.log(sum / (prefixNonzero[to]! - prefixNonzero[from]!));
    }
    // KL = Σ (P/total) log((P/total) / (Q/kept)).
    return (sumPLogP - sumPLogQ) / total - Math.log(total) + Math.log(kept);
  }
}

class EntropyCollector implements RangeCollector {
  private readonly histogram: AbsHistogram;

  constructor(private readonly options: EntropyOptions) {
    this.histogram = new AbsHistogram(options.bins ?? DEFAULT_HISTOGRAM_BINS);
  }

  observe(values: ArrayLike<number>, what?: string): void {
    this.histogram.observe(values, what);
  }

  threshold(): number {
    return entropyThresholdBin(this.histogram.counts, this.options) * this.histogram.binWidth;
  }
}

export function entropyCalibrator(options: EntropyOptions = {}): Calibrator {
  for (const key of ['bins', 'startBin', 'levels'] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `entropy calibration option ${key} must be a positive whole number, got ${v}`);
    }
  }
  return { algorithm: 'EntropyCalibration2', createCollector: () => new EntropyCollector(options) };
}
