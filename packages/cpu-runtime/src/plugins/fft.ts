/**
 * Discrete Fourier transforms in O(n log n) for any length, in float64: an iterative radix-2
 * FFT for powers of two, and Bluestein's chirp-z algorithm for other lengths (the DFT written as
 * a convolution with a chirp, done by power-of-two FFTs of size ≥ 2n − 1). Twiddle and chirp
 * angles are reduced exactly (k·j mod n, j² mod 2n) before the trigonometry, so accuracy does not
 * drift with n.
 */

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** In-place FFT of re + i·im (length n, a power of two); sign −1 forward, +1 inverse, unscaled. */
function fftPowerOfTwo(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  const cos = new Float64Array(n >> 1);
  const sin = new Float64Array(n >> 1);
  for (let k = 0; k < n >> 1; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = sign * Math.sin((2 * Math.PI * k) / n);
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const step = n / len;
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step]!;
        const wi = sin[k * step]!;
        const a = start + k;
        const b = a + half;
        const tr = re[b]! * wr - im[b]! * wi;
        const ti = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
}

/** The full length-n transform of re + i·im (unscaled), any n ≥ 1. */
function transform(re: Float64Array, im: Float64Array, n: number, sign: 1 | -1): { re: Float64Array; im: Float64Array } {
  if (isPowerOfTwo(n)) {
    const r = Float64Array.from(re.subarray(0, n));
    const i = Float64Array.from(im.subarray(0, n));
    fftPowerOfTwo(r, i, sign);
    return { re: r, im: i };
  }
  // Bluestein: k·t = (k² + t² − (k − t)²) / 2, so X_k = c_k · Σ_t (x_t c_t) · conj(c_{k−t}), c_j = e^{sign·iπ j²/n}.
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const chirpRe = new Float64Array(n);
  const chirpIm = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const angle = (Math.PI * ((j * j) % (2 * n))) / n;
    chirpRe[j] = Math.cos(angle);
    chirpIm[j] = sign * Math.sin(angle);
  }
  const aRe = new Float64Array(m);
  const aIm = new Float64Array(m);
  for (let t = 0; t < n; t++) {
    aRe[t] = re[t]! * chirpRe[t]! - im[t]! * chirpIm[t]!;
    aIm[t] = re[t]! * chirpIm[t]! + im[t]! * chirpRe[t]!;
  }
  const bRe = new Float64Array(m);
  const bIm = new Float64Array(m);
  bRe[0] = chirpRe[0]!;
  bIm[0] = -chirpIm[0]!;
  for (let j = 1; j < n; j++) {
    bRe[j] = bRe[m - j] = chirpRe[j]!;
    bIm[j] = bIm[m - j] = -chirpIm[j]!;
  }
  fftPowerOfTwo(aRe, aIm, -1);
  fftPowerOfTwo(bRe, bIm, -1);
  for (let k = 0; k < m; k++) {
    const r = aRe[k]! * bRe[k]! - aIm[k]! * bIm[k]!;
    aIm[k] = aRe[k]! * bIm[k]! + aIm[k]! * bRe[k]!;
    aRe[k] = r;
  }
  fftPowerOfTwo(aRe, aIm, 1);
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const cr = aRe[k]! / m;
    const ci = aIm[k]! / m;
    outRe[k] = cr * chirpRe[k]! - ci * chirpIm[k]!;
    outIm[k] = cr * chirpIm[k]! + ci * chirpRe[k]!;
  }
  return { re: outRe, im: outIm };
}

/** The first `outLen` bins of the length-n DFT (or inverse DFT, scaled by 1/n) of re + i·im. */
export function dft1d(
  re: Float64Array,
  im: Float64Array,
  n: number,
  outLen: number,
  inverse: boolean,
): { re: Float64Array; im: Float64Array } {
  const y = transform(re, im, n, inverse ? 1 : -1);
  const outRe = y.re.slice(0, outLen);
  const outIm = y.im.slice(0, outLen);
  if (inverse) {
    for (let k = 0; k < outLen; k++) {
      outRe[k] = outRe[k]! / n;
      outIm[k] = outIm[k]! / n;
    }
  }
  return { re: outRe, im: outIm };
}
