import { ErrorCode } from '@kiln-inference/core';
import { mulberry32 } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { AbsHistogram } from '../src/index.js';

/** The histogram of all values at once over `range`, as the re-binning rule should reproduce it. */
function direct(values: number[], bins: number, range: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(Math.floor((Math.abs(v) / range) * bins), bins - 1)]! += 1;
  return counts;
}

describe('AbsHistogram', () => {
  it('bins magnitudes over [0, max|x|) of the first batch', () => {
    const h = new AbsHistogram(4);
    h.observe([0, -0.5, 1, 2, -3.9, 4]);
    expect(h.range).toBe(4);
    expect(h.binWidth).toBe(1);
    expect([...h.counts]).toEqual([2, 1, 1, 2]);
    expect(h.total).toBe(6);
  });

  it('doubles the range and merges bins in pairs when a later batch exceeds it', () => {
    const h = new AbsHistogram(8);
    h.observe([0.5, 1.5, 7.9, 8]);
    h.observe([10]);
    // Range 8: [1, 1, 0, 0, 0, 0, 0, 2] (8 joins the last bin). 10 needs one doubling: range 16,
    // each new bin the sum of two old ones, then 10 lands in bin 5.
    expect(h.range).toBe(16);
    expect([...h.counts]).toEqual([2, 0, 0, 2, 0, 1, 0, 0]);
  });

  it('gives, after any sequence of growing batches, the histogram of all values over the final range', () => {
    const rand = mulberry32(7);
    const batches = [1, 3, 2.5, 20, 100].map((spread) => Array.from({ length: 500 }, () => (rand() * 2 - 1) * spread));
    const h = new AbsHistogram(64);
    for (const b of batches) h.observe(b);
    // First max is about 1; 100 needs ×128: the final range is the first max times 2^7.
    const firstMax = Math.max(...batches[0]!.map(Math.abs));
    expect(h.range).toBeCloseTo(firstMax * 128, 12);
    expect([...h.counts]).toEqual(direct(batches.flat(), 64, h.range));
  });

  it('keeps leading all-zero batches in bin 0', () => {
    const h = new AbsHistogram(4);
    h.observe([0, 0, 0]);
    expect(h.range).toBe(0);
    h.observe([2, 1]);
    expect(h.range).toBe(2);
    expect([...h.counts]).toEqual([3, 0, 1, 1]);
  });

  it('refuses NaN and infinite values, naming the tensor', () => {
    const h = new AbsHistogram();
    expect(() => h.observe([1, Number.NaN], "tensor 'relu_1'")).toThrow(/tensor 'relu_1' holds NaN at element 1/);
    expect(() => h.observe([Number.NEGATIVE_INFINITY], 'x')).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    expect(() => new AbsHistogram(0)).toThrow(/positive whole number of bins/);
  });
});
