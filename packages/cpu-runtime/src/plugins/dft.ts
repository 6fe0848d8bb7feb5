/**
 * kiln::DFT v1 — ONNX DFT. inputs [x, dftLength?, axis?]; fields inverse, onesided, axis (used when
 * no axis input). x is [..., signal, 1 | 2] (real or complex in the last dim); the output is
 * complex [..., bins, 2], or real [..., n, 1] for the one-sided inverse (irfft). The transform
 * is fft.ts's O(n log n) FFT in float64, for any length.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from '../kernels/util/values.js';
import { dft1d } from './fft.js';
import { boolField, numberField, pluginError, pluginInput, scalarInt } from './plugin-fields.js';

/** Longest transform length taken (an O(n log n) FFT; the tensor limits bound the data too). */
export const MAX_DFT_LENGTH = 1 << 22;

export const dftPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x = pluginInput(layer, inputs, 0, 'input');
  const inverse = boolField(layer, 'inverse', false);
  const onesided = boolField(layer, 'onesided', false);
  const complexIn = x.shape[x.rank - 1] === 2;
  if (x.rank < 2 || (x.shape[x.rank - 1] !== 1 && !complexIn)) {
    throw pluginError(layer, ErrorCode.INVALID_SHAPE, `DFT input must end in a dim of 1 (real) or 2 (complex), got [${x.shape.join(',')}]`);
  }
  let axis = inputs[2] ? scalarInt(layer, inputs[2], 'axis') : numberField(layer, 'axis', -2);
  if (axis < 0) axis += x.rank;
  if (axis < 0 || axis >= x.rank - 1)
    throw pluginError(layer, ErrorCode.INVALID_ATTRIBUTE, `axis ${axis} must name a signal dim, not the complex dim`);
  const inLen = x.shape[axis]!;
  const irfft = inverse && onesided;
  const lengthInput = inputs[1] ? scalarInt(layer, inputs[1], 'dft_length') : undefined;
  const n = lengthInput ?? (irfft ? 2 * (inLen - 1) : inLen);
  if (!(n >= 1 && n <= MAX_DFT_LENGTH)) {
    throw pluginError(
      layer,
      ErrorCode.INVALID_ARGUMENT,
      `dft_length ${n} must be in [1, ${MAX_DFT_LENGTH}]`,
      'split the signal into frames (STFT) or shorten dft_length',
    );
  }
  const outLen = irfft ? n : onesided ? Math.floor(n / 2) + 1 : n;
  const outLast = irfft ? 1 : 2;
  const outShape = [...x.shape];
  outShape[axis] = outLen;
  outShape[x.rank - 1] = outLast;
  const inner = x.shape.slice(axis + 1, x.rank - 1).reduce((a, b) => a * b, 1);
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const xs = numbers(x);
  const chans = complexIn ? 2 : 1;
  const out = new Float64Array(outer * outLen * inner * outLast);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      re.fill(0);
      im.fill(0);
      const at = (t: number) => ((o * inLen + t) * inner + i) * chans;
      if (irfft) {
        // Rebuild the Hermitian spectrum from its first n/2 + 1 bins.
        for (let k = 0; k < n; k++) {
          const src = k < inLen ? k : n - k;
          if (src >= inLen) continue;
          re[k] = xs[at(src)]!;
          const imag = complexIn ? xs[at(src) + 1]! : 0;
          im[k] = k < inLen ? imag : -imag;
        }
      } else {
        for (let t = 0; t < Math.min(n, inLen); t++) {
          re[t] = xs[at(t)]!;
          if (complexIn) im[t] = xs[at(t) + 1]!;
        }
      }
      const y = dft1d(re, im, n, outLen, inverse);
      for (let k = 0; k < outLen; k++) {
        const dst = ((o * outLen + k) * inner + i) * outLast;
        out[dst] = y.re[k]!;
        if (outLast === 2) out[dst + 1] = y.im[k]!;
      }
    }
  }
  return [fromNumbers(x.dtype, outShape, out)];
};
