import {
  ErrorCode,
  isKilnError,
  type KilnError,
  type LayerParamsMap,
  resourceLimits,
  Tensor,
  withResourceLimits,
} from '@kiln-inference/core';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

type DeconvParams = LayerParamsMap['deconvolution'];

/** Scatter definition of a transposed convolution (2-D), the oracle for the kernel. */
function naiveDeconv2d(
  x: Tensor,
  w: Tensor,
  s: number[],
  d: number[],
  pb: number[],
  outPad: number[],
  groups: number,
  outHW?: number[],
): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, kg, kh, kw] = w.shape as [number, number, number, number];
  const K = kg * groups;
  const fullH = s[0]! * (H - 1) + outPad[0]! + (kh - 1) * d[0]! + 1;
  const fullW = s[1]! * (W - 1) + outPad[1]! + (kw - 1) * d[1]! + 1;
  const [OH, OW] = outHW ?? [fullH - 2 * pb[0]!, fullW - 2 * pb[1]!];
  const xs = x.toFloat64();
  const ws = w.toFloat64();
  const out = new Float64Array(N * K * OH * OW);
  const cg = C / groups;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let k = 0; k < kg; k++)
            for (let a = 0; a < kh; a++)
              for (let b = 0; b < kw; b++) {
                const oh = i * s[0]! + a * d[0]! - pb[0]!;
                const ow = j * s[1]! + b * d[1]! - pb[1]!;
                if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                const g = Math.floor(c / cg);
                out[((n * K + g * kg + k) * OH + oh) * OW + ow]! +=
                  xs[((n * C + c) * H + i) * W + j]! * ws[((c * kg + k) * kh + a) * kw + b]!;
              }
  return new Tensor('float32', [N, K, OH, OW], Float32Array.from(out));
}

const base = (p: Partial<DeconvParams>): DeconvParams => ({
  kernelShape: [],
  strides: [1, 1],
  dilations: [1, 1],
  padsBegin: [0, 0],
  padsEnd: [0, 0],
  groups: 1,
  paddingMode: 'explicit',
  outputPadding: [0, 0],
  ...p,
});

describe('deconvolution kernel', () => {
  it('matches the scatter definition with strides, pads, dilations and output padding', () => {
    const x = randomTensor('float32', [2, 3, 4, 5], 1);
    const w = randomTensor('float32', [3, 2, 3, 3], 2);
    const p = base({ strides: [2, 3], dilations: [1, 2], padsBegin: [1, 1], padsEnd: [1, 1], outputPadding: [1, 0] });
    const y = runLayer('deconvolution', p, [x, w])[0]!;
    expectTensorClose(y, naiveDeconv2d(x, w, [2, 3], [1, 2], [1, 1], [1, 0], 1), { rtol: 1e-5, atol: 1e-5 });
  });

  it('supports groups and adds the bias per output channel', () => {
    const x = randomTensor('float32', [1, 4, 3, 3], 3);
    const w = randomTensor('float32', [4, 3, 2, 2], 4);
    const b = f32([1, 2, 3, 4, 5, 6]);
    const y = runLayer('deconvolution', base({ groups: 2 }), [x, w, b])[0]!;
    const ref = naiveDeconv2d(x, w, [1, 1], [1, 1], [0, 0], [0, 0], 2).toFloat64();
    const plane = 16;
    const expected = new Tensor(
      'float32',
      [1, 6, 4, 4],
      Float32Array.from(ref, (v, i) => v + Math.floor(i / plane) + 1),
    );
    expectTensorClose(y, expected, { rtol: 1e-5, atol: 1e-5 });
  });

  it('refuses a requested output over the tensor limits before allocating it', () => {
    // Fuzz finding: output_shape [123456789, 8] from a 3×3 input drove a worker past its RSS cap.
    const x = randomTensor('float32', [1, 1, 3, 3], 5);
    const w = randomTensor('float32', [1, 2, 3, 3], 6);
    const limits = resourceLimits({ maxTensorElements: 2 ** 24 });
    const run = () =>
      withResourceLimits(limits, () => runLayer('deconvolution', base({ strides: [3, 2], outputShape: [123456789, 8] }), [x, w]));
    expect(run).toThrow(/deconvolution/);
    const e = (() => {
      try {
        run();
      } catch (err) {
        return err as KilnError;
      }
    })()!;
    expect(isKilnError(e, ErrorCode.RESOURCE_LIMIT)).toBe(true);
    expect(e.code).toBe(ErrorCode.RESOURCE_LIMIT);
    expect(e.message).toMatch(/1975308624 elements is over the limit maxTensorElements/);
  });

  it('derives pads from a requested output shape (spatial or full)', () => {
    const x = randomTensor('float32', [1, 1, 3, 3], 5);
    const w = randomTensor('float32', [1, 1, 3, 3], 6);
    const spatial = runLayer('deconvolution', base({ strides: [2, 2], outputShape: [6, 6] }), [x, w])[0]!;
    const full = runLayer('deconvolution', base({ strides: [2, 2], outputShape: [1, 1, 6, 6] }), [x, w])[0]!;
    expect(spatial.shape).toEqual([1, 1, 6, 6]);
    expectTensorClose(full, spatial, { rtol: 0, atol: 0 });
    // Full size 7, total pad 1: outside SAME_UPPER the odd pad goes at the beginning.
    expectTensorClose(spatial, naiveDeconv2d(x, w, [2, 2], [1, 1], [1, 1], [0, 0], 1, [6, 6]), { rtol: 1e-5, atol: 1e-5 });
  });

  it('SAME_UPPER makes out = in * stride with the odd pad at the end', () => {
    const x = randomTensor('float32', [1, 1, 3, 3], 7);
    const w = randomTensor('float32', [1, 1, 3, 3], 8);
    const y = runLayer('deconvolution', base({ strides: [2, 2], paddingMode: 'same_upper' }), [x, w])[0]!;
    expectTensorClose(y, naiveDeconv2d(x, w, [2, 2], [1, 1], [0, 0], [0, 0], 1, [6, 6]), { rtol: 1e-5, atol: 1e-5 });
  });

  it('channels_last moves channels around the same computation', () => {
    const x = randomTensor('float32', [1, 2, 3, 3], 9);
    const w = randomTensor('float32', [2, 3, 2, 2], 10);
    const toLast = (t: Tensor) => {
      const [n, c, h, wd] = t.shape as [number, number, number, number];
      const v = t.toFloat64();
      return new Tensor(
        'float32',
        [n, h, wd, c],
        Float32Array.from({ length: t.size }, (_, i) => v[(i % c) * h * wd + Math.floor(i / c)]!),
      );
    };
    const first = runLayer('deconvolution', base({ strides: [2, 2] }), [x, w])[0]!;
    const last = runLayer('deconvolution', base({ strides: [2, 2], layout: 'channels_last' }), [toLast(x), w])[0]!;
    expectTensorClose(last, toLast(first), { rtol: 1e-6, atol: 1e-6 });
  });

  it('rejects weights whose channel count disagrees with the input', () => {
    let err: unknown;
    try {
      runLayer('deconvolution', base({}), [randomTensor('float32', [1, 2, 3, 3]), randomTensor('float32', [3, 1, 2, 2])]);
    } catch (e) {
      err = e;
    }
    expect(isKilnError(err, ErrorCode.SHAPE_MISMATCH)).toBe(true);
  });
});
