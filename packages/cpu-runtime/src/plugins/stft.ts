/**
 * kiln::STFT v1 — ONNX STFT. inputs [signal [batch, length, 1|2], frameStep, window?, frameLength?];
 * field onesided. Output [batch, frames, bins, 2] with frames = floor((length - frameLength) /
 * frameStep) + 1 and bins = frameLength/2 + 1 when one-sided.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from '../kernels/util/values.js';
import { MAX_DFT_LENGTH } from './dft.js';
import { dft1d } from './fft.js';
import { boolField, pluginError, pluginInput, scalarInt } from './plugin-fields.js';

export const stftPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const signal = pluginInput(layer, inputs, 0, 'signal');
  const step = scalarInt(layer, pluginInput(layer, inputs, 1, 'frame_step'), 'frame_step');
  const window = inputs[2];
  if (signal.rank !== 3 || (signal.shape[2] !== 1 && signal.shape[2] !== 2)) {
    throw pluginError(layer, ErrorCode.INVALID_SHAPE, `signal must be [batch, length, 1|2], got [${signal.shape.join(',')}]`);
  }
  const frameLength = inputs[3] ? scalarInt(layer, inputs[3], 'frame_length') : window?.size;
  if (frameLength === undefined) throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, 'STFT needs a window or a frame_length');
  if (window && window.size !== frameLength)
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `window has ${window.size} values, frame_length is ${frameLength}`);
  const [batch, length, chans] = signal.shape as [number, number, number];
  if (!(step >= 1) || !(frameLength >= 1) || frameLength > length || frameLength > MAX_DFT_LENGTH) {
    throw pluginError(
      layer,
      ErrorCode.INVALID_ARGUMENT,
      `frame_step ${step} and frame_length ${frameLength} must be ≥ 1 and fit the signal of length ${length}`,
    );
  }
  const onesided = boolField(layer, 'onesided', true) && chans === 1;
  const frames = Math.floor((length - frameLength) / step) + 1;
  const bins = onesided ? Math.floor(frameLength / 2) + 1 : frameLength;
  const w = window ? numbers(window) : new Float64Array(frameLength).fill(1);
  const xs = numbers(signal);
  const out = new Float64Array(batch * frames * bins * 2);
  const re = new Float64Array(frameLength);
  const im = new Float64Array(frameLength);
  for (let b = 0; b < batch; b++) {
    for (let f = 0; f < frames; f++) {
      for (let t = 0; t < frameLength; t++) {
        const src = (b * length + f * step + t) * chans;
        re[t] = xs[src]! * w[t]!;
        im[t] = chans === 2 ? xs[src + 1]! * w[t]! : 0;
      }
      const y = dft1d(re, im, frameLength, bins, false);
      for (let k = 0; k < bins; k++) {
        const dst = ((b * frames + f) * bins + k) * 2;
        out[dst] = y.re[k]!;
        out[dst + 1] = y.im[k]!;
      }
    }
  }
  return [fromNumbers(signal.dtype, [batch, frames, bins, 2], out)];
};
