import { ErrorCode } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { minMaxCalibrator, percentileCalibrator, percentileThresholdBin } from '../src/index.js';

describe('min-max calibration', () => {
  it('takes the largest |x| over every batch', () => {
    const c = minMaxCalibrator().createCollector();
    c.observe([0.5, -2]);
    c.observe(Float32Array.from([1.25, -7.5, 3]));
    c.observe([]);
    expect(c.threshold()).toBe(7.5);
    expect(minMaxCalibrator().algorithm).toBe('MinMaxCalibration');
  });

  it('refuses non-finite values', () => {
    expect(() => minMaxCalibrator().createCollector().observe([Number.POSITIVE_INFINITY], "tensor 'a'")).toThrow(
      /tensor 'a' holds Infinity/,
    );
  });
});

describe('percentile calibration', () => {
  it('keeps the bins holding the percentile of the counts', () => {
    const counts = [50, 30, 10, 9, 1];
    expect(percentileThresholdBin(counts, 50)).toBe(1);
    expect(percentileThresholdBin(counts, 80)).toBe(2);
    expect(percentileThresholdBin(counts, 99)).toBe(4);
    expect(percentileThresholdBin(counts, 100)).toBe(5);
  });

  it('clips the rarest magnitudes: 99.99% of 0..9999 keeps values up to 9999 minus one bin', () => {
    const values = Float32Array.from({ length: 10000 }, (_, i) => i);
    const c = percentileCalibrator({ bins: 10000 }).createCollector();
    c.observe(values);
    // 10000 bins over [0, 9999): bin k holds value k (9999 joins the last bin); 99.99% = 9999 values.
    expect(c.threshold()).toBeCloseTo(9998 * (9999 / 10000) + 9999 / 10000, 9);
    const all = percentileCalibrator({ percentile: 100, bins: 16 }).createCollector();
    all.observe(values);
    expect(all.threshold()).toBe(9999);
  });

  it('defaults to 99.99 and refuses percentiles outside (0, 100]', () => {
    const c = percentileCalibrator().createCollector();
    // 2048 bins over [0, 1): one value in 10^5 beyond 0.5 is clipped (99.999% ≤ 0.5).
    c.observe(Float32Array.from({ length: 100000 }, (_, i) => (i === 0 ? 1 : (i % 1000) / 2000)));
    expect(c.threshold()).toBeCloseTo(0.5, 2);
    expect(c.threshold()).toBeLessThan(0.51);
    expect(() => percentileCalibrator({ percentile: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(() => percentileCalibrator({ percentile: 100.5 })).toThrow(/percentile must be in \(0, 100\], got 100.5/);
  });
});
