import { mulberry32 } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { entropyCalibrator, entropyThresholdBin } from '../src/index.js';

/**
 * The definition, written out bin by bin (no prefix sums): bin 0 takes bin 1's count; P = c[0..i)
 * with the tail folded into its last bin; Q = c[0..i) summed into `levels` groups and spread over
 * each group's nonzero bins.
 */
function referenceThresholdBin(histogram: number[], startBin = 128, levels = 128): number {
  const counts = [histogram[1]!, ...histogram.slice(1)];
  const n = counts.length;
  let best = n;
  let bestKl = Number.POSITIVE_INFINITY;
  for (let i = startBin; i <= n; i++) {
    const p = counts.slice(0, i);
    p[i - 1]! += counts.slice(i).reduce((a, b) => a + b, 0);
    const q = new Array<number>(i).fill(0);
    const width = Math.floor(i / levels);
    for (let g = 0; g < levels; g++) {
      const from = g * width;
      const to = g === levels - 1 ? i : from + width;
      const slice = counts.slice(from, to);
      const sum = slice.reduce((a, b) => a + b, 0);
      const nonzero = slice.filter((c) => c > 0).length;
      for (let k = from; k < to; k++) q[k] = counts[k]! > 0 ? sum / nonzero : 0;
    }
    const pSum = p.reduce((a, b) => a + b, 0);
    const qSum = q.reduce((a, b) => a + b, 0);
    let kl = 0;
    for (let k = 0; k < i; k++) {
      const pk = p[k]! / pSum;
      const qk = q[k]! / qSum;
      if (pk === 0) continue;
      kl += qk === 0 ? Number.POSITIVE_INFINITY : pk * Math.log(pk / qk);
    }
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best;
}

describe('entropy calibration (KL divergence)', () => {
  it('keeps the full range of a uniform histogram: only i = 2048 has KL = 0', () => {
    const counts = new Array<number>(2048).fill(1000);
    expect(entropyThresholdBin(counts)).toBe(2048);
    expect(referenceThresholdBin(counts)).toBe(2048);
  });

  it('clips a far isolated outlier: thresholds past the dense part fold the tail into an empty bin (KL = ∞)', () => {
    // A decaying dense part over bins 0..399 (nonzero throughout), one count in the last bin.
    const counts = new Array<number>(2048).fill(0);
    for (let k = 0; k < 400; k++) counts[k] = Math.round(1e6 * Math.exp(-k / 50)) + 1;
    counts[2047] = 1;
    const bin = entropyThresholdBin(counts);
    // Candidates 401..2047 end on an empty bin that receives the tail; 2048 keeps the outlier but
    // spreads the decaying part over 16-bin groups, which costs more than clipping one count.
    expect(bin).toBeLessThanOrEqual(400);
    expect(bin).toBeGreaterThanOrEqual(128);
    expect(bin).toBe(referenceThresholdBin(counts));
  });

  it('agrees with the bin-by-bin reference on random histograms', () => {
    const rand = mulberry32(3);
    for (let trial = 0; trial < 6; trial++) {
      // Laplace-like magnitudes with random holes and a few outliers: the shapes activations have.
      const decay = 50 + rand() * 400;
      const counts = Array.from({ length: 2048 }, (_, k) => (rand() < 0.1 ? 0 : Math.floor(1e5 * Math.exp(-k / decay) * rand())));
      for (let o = 0; o < trial; o++) counts[2047 - Math.floor(rand() * 600)] = 1 + Math.floor(rand() * 3);
      expect(entropyThresholdBin(counts)).toBe(referenceThresholdBin(counts));
    }
  });

  it('does not let a spike of exact zeros pull the threshold down (bin 0 counts as bin 1)', () => {
    // A ReLU output: half zeros, the rest decaying slowly over the whole range.
    const counts = Array.from({ length: 2048 }, (_, k) => Math.round(1000 * Math.exp(-k / 1500)));
    counts[0] = 2e6;
    const withZeros = entropyThresholdBin(counts);
    counts[0] = counts[1]!;
    expect(withZeros).toBe(entropyThresholdBin(counts));
    expect(withZeros).toBeGreaterThan(1024);
  });

  it('agrees with the reference for other histogram sizes, start bins and level counts', () => {
    const rand = mulberry32(5);
    const counts = Array.from({ length: 300 }, (_, k) => Math.floor(1000 * Math.exp(-k / 40) * (0.5 + rand())));
    expect(entropyThresholdBin(counts, { startBin: 16, levels: 16 })).toBe(referenceThresholdBin(counts, 16, 16));
  });

  it('gives a threshold in the units of the values, below an outlier in a later batch', async () => {
    const rand = mulberry32(9);
    const collector = entropyCalibrator().createCollector();
    // Bell-shaped values with |x| < 3, and one value at 10 in the third batch (the range grows
    // ×4, so the dense part still spans about 500 bins, above the first candidate at 128: a
    // threshold can never be below range·128/2048).
    for (let batch = 0; batch < 4; batch++) {
      const values = Float32Array.from({ length: 20000 }, () => (rand() + rand() + rand() - 1.5) * 2);
      if (batch === 2) values[0] = 10;
      collector.observe(values);
    }
    const t = collector.threshold();
    expect(t).toBeGreaterThan(1);
    expect(t).toBeLessThan(3.1);
  });

  it('refuses option values that are not positive whole numbers', () => {
    expect(() => entropyCalibrator({ startBin: 0 })).toThrow(/startBin must be a positive whole number, got 0/);
    expect(() => entropyCalibrator({ levels: 1.5 })).toThrow(/levels/);
  });
});
