/**
 * A fixed-size histogram of |x| over [0, range), fed batch by batch: what the entropy and
 * percentile calibrators choose thresholds from. Memory is one array of `bins` counts however
 * many batches are seen.
 *
 * Re-binning rule: the first batch with a nonzero value sets the range to its max |x|. When a
 * later batch exceeds the range, the range is doubled (k times, the fewest that cover the new
 * max) and every 2^k neighbouring bins are summed into one. Old bin edges are then edges of the
 * new bins, so merging moves no count across a value boundary (no interpolation); the price is
 * that the data may fill as little as half of the bins. Zeros seen before any nonzero value stay
 * in bin 0, which is where they belong under every range.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { maxAbs } from './max-abs.js';

export const DEFAULT_HISTOGRAM_BINS = 2048;

export class AbsHistogram {
  readonly counts: Float64Array;
  /** Upper edge of the last bin; 0 while only zeros were seen. */
  private rangeValue = 0;

  constructor(readonly bins = DEFAULT_HISTOGRAM_BINS) {
    if (!Number.isInteger(bins) || bins < 1) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `a histogram needs a positive whole number of bins, got ${bins}`);
    }
    this.counts = new Float64Array(bins);
  }

  get range(): number {
    return this.rangeValue;
  }

  get binWidth(): number {
    return this.rangeValue / this.bins;
  }

  /** Values counted so far. */
  get total(): number {
    let sum = 0;
    for (const c of this.counts) sum += c;
    return sum;
  }

  /** Adds the magnitudes of `values`; `what` names the tensor in the error for non-finite values. */
  observe(values: ArrayLike<number>, what = 'tensor'): void {
    const max = maxAbs(values, what);
    if (max > this.rangeValue) this.grow(max);
    if (this.rangeValue === 0) {
      this.counts[0]! += values.length;
      return;
    }
    const perUnit = this.bins / this.rangeValue;
    const last = this.bins - 1;
    for (let i = 0; i < values.length; i++) {
      const bin = Math.min(Math.floor(Math.abs(values[i]!) * perUnit), last);
      this.counts[bin]! += 1;
    }
  }

  private grow(max: number): void {
    if (this.rangeValue === 0) {
      this.rangeValue = max;
      return;
    }
    let factor = 1;
    while (this.rangeValue * factor < max) factor *= 2;
    for (let bin = 0; bin < this.bins; bin++) {
      const count = this.counts[bin]!;
      this.counts[bin] = 0;
      this.counts[Math.floor(bin / factor)]! += count;
    }
    this.rangeValue *= factor;
  }
}
