/**
 * Percentile calibration: the threshold is the upper edge of the histogram bin where the
 * cumulative count of |x| first reaches `percentile`% of all values (99.99 by default), so the
 * rarest (100 − percentile)% of magnitudes are clipped.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { AbsHistogram, DEFAULT_HISTOGRAM_BINS } from './abs-histogram.js';
import type { Calibrator, RangeCollector } from './calibrator.js';

export interface PercentileOptions {
  /** In (0, 100]; default 99.99. */
  percentile?: number;
  /** Histogram size (default 2048). */
  bins?: number;
}

/** The number of bins to keep so that they hold at least `percentile`% of the counts. */
export function percentileThresholdBin(counts: ArrayLike<number>, percentile: number): number {
  let total = 0;
  for (let k = 0; k < counts.length; k++) total += counts[k]!;
  const target = (total * percentile) / 100;
  let cumulative = 0;
  for (let k = 0; k < counts.length; k++) {
    cumulative += counts[k]!;
    if (cumulative >= target) return k + 1;
  }
  return counts.length;
}

export function percentileCalibrator(options: PercentileOptions = {}): Calibrator {
  const percentile = options.percentile ?? 99.99;
  if (!(percentile > 0 && percentile <= 100)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `percentile must be in (0, 100], got ${percentile}`, {
      hint: 'pass e.g. { percentile: 99.99 }',
    });
  }
  const bins = options.bins ?? DEFAULT_HISTOGRAM_BINS;
  return {
    algorithm: 'PercentileCalibration',
    createCollector(): RangeCollector {
      const histogram = new AbsHistogram(bins);
      return {
        observe: (values, what) => histogram.observe(values, what),
        threshold: () => percentileThresholdBin(histogram.counts, percentile) * histogram.binWidth,
      };
    },
  };
}
