import { mulberry32 } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { dft1d } from '../src/plugins/fft.js';

/** The textbook O(n²) sum, the oracle: X_k = Σ_t x_t e^{∓2πi k t / n}. */
function directDft(re: Float64Array, im: Float64Array, n: number, inverse: boolean) {
  const sign = inverse ? 1 : -1;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const angle = (sign * 2 * Math.PI * ((k * t) % n)) / n;
      outRe[k]! += re[t]! * Math.cos(angle) - im[t]! * Math.sin(angle);
      outIm[k]! += re[t]! * Math.sin(angle) + im[t]! * Math.cos(angle);
    }
    if (inverse) {
      outRe[k]! /= n;
      outIm[k]! /= n;
    }
  }
  return { re: outRe, im: outIm };
}

function expectClose(actual: Float64Array, expected: Float64Array, atol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThan(atol);
}

describe('the FFT behind the DFT and STFT plugins', () => {
  it('matches the direct sum for powers of two, primes and other lengths, both directions', () => {
    const random = mulberry32(11);
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 17, 31, 64, 100, 127, 243, 256, 1000]) {
      const re = Float64Array.from({ length: n }, () => random() * 2 - 1);
      const im = Float64Array.from({ length: n }, () => random() * 2 - 1);
      for (const inverse of [false, true]) {
        const want = directDft(re, im, n, inverse);
        const got = dft1d(re, im, n, n, inverse);
        // Sums of n terms of magnitude ≤ √2: float64 round-off stays far below 1e-9 here.
        expectClose(got.re, want.re, 1e-9);
        expectClose(got.im, want.im, 1e-9);
      }
    }
  });

  it('returns the first outLen bins and scales the inverse by 1/n', () => {
    const re = Float64Array.of(1, 2, 3, 4, 5);
    const im = new Float64Array(5);
    const full = directDft(re, im, 5, false);
    const three = dft1d(re, im, 5, 3, false);
    expectClose(three.re, full.re.slice(0, 3), 1e-12);
    expect(dft1d(re, im, 5, 1, true).re[0]).toBeCloseTo(3, 12);
  });

  it('transforms long non-power-of-two signals exactly (fuzz: a 65,535-point DFT hung the direct sum)', () => {
    // A unit impulse at t = 1 has X_k = e^{−2πik/n}.
    for (const n of [65535, 100_003]) {
      const re = new Float64Array(n);
      re[1] = 1;
      const y = dft1d(re, new Float64Array(n), n, n, false);
      let worst = 0;
      for (let k = 0; k < n; k += 997) {
        const angle = (-2 * Math.PI * k) / n;
        worst = Math.max(worst, Math.abs(y.re[k]! - Math.cos(angle)), Math.abs(y.im[k]! - Math.sin(angle)));
      }
      expect(worst).toBeLessThan(1e-9);
    }
  });
});
