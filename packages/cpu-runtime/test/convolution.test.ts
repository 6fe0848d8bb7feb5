import { type ConvolutionParams, ErrorCode, isKilnError, Tensor, windowGeometry } from '@kiln-inference/core';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

/** Textbook N-d convolution with explicit pads: the oracle the fast kernel is checked against. */
function naiveConv(
  x: Tensor,
  w: Tensor,
  b: Tensor | undefined,
  strides: number[],
  dil: number[],
  pb: number[],
  pe: number[],
  groups: number,
): Tensor {
  const xs = x.toFloat64();
  const ws = w.toFloat64();
  const [N, C] = x.shape as [number, number];
  const K = w.shape[0]!;
  const inS = x.shape.slice(2);
  const ks = w.shape.slice(2);
  const outS = inS.map((d, i) => Math.floor((d + pb[i]! + pe[i]! - dil[i]! * (ks[i]! - 1) - 1) / strides[i]!) + 1);
  const cg = C / groups;
  const kg = K / groups;
  const outPlane = outS.reduce((a, v) => a * v, 1);
  const taps = ks.reduce((a, v) => a * v, 1);
  const inPlane = inS.reduce((a, v) => a * v, 1);
  const out = new Float64Array(N * K * outPlane);
  const unravel = (i: number, dims: number[]) => {
    const c = new Array<number>(dims.length);
    for (let d = dims.length - 1; d >= 0; d--) {
      c[d] = i % dims[d]!;
      i = Math.floor(i / dims[d]!);
    }
    return c;
  };
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++)
      for (let o = 0; o < outPlane; o++) {
        const oc = unravel(o, outS);
        let acc = b ? b.toFloat64()[k]! : 0;
        const g = Math.floor(k / kg);
        for (let c = 0; c < cg; c++)
          for (let t = 0; t < taps; t++) {
            const tc = unravel(t, ks);
            const ic = oc.map((v, d) => v * strides[d]! + tc[d]! * dil[d]! - pb[d]!);
            if (ic.some((v, d) => v < 0 || v >= inS[d]!)) continue;
            const flat = ic.reduce((a, v, d) => a * inS[d]! + v, 0);
            acc += xs[(n * C + g * cg + c) * inPlane + flat]! * ws[(k * cg + c) * taps + t]!;
          }
        out[(n * K + k) * outPlane + o] = acc;
      }
  return new Tensor('float32', [N, K, ...outS], Float32Array.from(out));
}

function params(rank: number, p: Partial<ConvolutionParams> = {}): ConvolutionParams {
  const ones = new Array<number>(rank).fill(1);
  const zeros = new Array<number>(rank).fill(0);
  return { kernelShape: [], strides: ones, dilations: ones, padsBegin: zeros, padsEnd: zeros, groups: 1, paddingMode: 'explicit', ...p };
}

const conv = (x: Tensor, w: Tensor, b: Tensor | undefined, p: ConvolutionParams) => runLayer('convolution', p, [x, w, b])[0]!;

describe('convolution kernel', () => {
  const cases: [string, number[], number[], Partial<ConvolutionParams>][] = [
    ['1-D with stride and asymmetric pads', [2, 3, 11], [4, 3, 3], { strides: [2], padsBegin: [1], padsEnd: [2] }],
    ['2-D with dilation', [1, 2, 9, 8], [3, 2, 3, 2], { dilations: [2, 3], padsBegin: [1, 0], padsEnd: [1, 2] }],
    ['2-D grouped', [1, 4, 6, 6], [6, 2, 3, 3], { groups: 2, padsBegin: [1, 1], padsEnd: [1, 1] }],
    ['2-D depthwise strided', [2, 3, 7, 7], [3, 1, 3, 3], { groups: 3, strides: [2, 2], padsBegin: [1, 1], padsEnd: [0, 0] }],
    ['2-D pointwise', [1, 5, 4, 3], [7, 5, 1, 1], {}],
    ['3-D', [1, 2, 4, 5, 6], [2, 2, 2, 3, 2], { strides: [1, 2, 1], padsBegin: [0, 1, 1], padsEnd: [1, 1, 0] }],
  ];
  for (const [name, xs, wsh, p] of cases) {
    it(`matches the textbook definition: ${name}`, () => {
      const rank = xs.length - 2;
      const x = randomTensor('float32', xs, 1);
      const w = randomTensor('float32', wsh, 2);
      const b = randomTensor('float32', [wsh[0]!], 3);
      const full = params(rank, p);
      const expected = naiveConv(x, w, b, full.strides, full.dilations, full.padsBegin, full.padsEnd, full.groups);
      expectTensorClose(conv(x, w, b, full), expected, { rtol: 1e-5, atol: 1e-5 });
    });
  }

  it('SAME_UPPER / SAME_LOWER put the odd pad at the end / beginning', () => {
    const x = randomTensor('float32', [1, 1, 6, 6], 4);
    const w = randomTensor('float32', [1, 1, 3, 3], 5);
    const upper = conv(x, w, undefined, params(2, { strides: [2, 2], paddingMode: 'same_upper' }));
    const lower = conv(x, w, undefined, params(2, { strides: [2, 2], paddingMode: 'same_lower' }));
    expectTensorClose(upper, naiveConv(x, w, undefined, [2, 2], [1, 1], [0, 0], [1, 1], 1), { rtol: 1e-5, atol: 1e-6 });
    expectTensorClose(lower, naiveConv(x, w, undefined, [2, 2], [1, 1], [1, 1], [0, 0], 1), { rtol: 1e-5, atol: 1e-6 });
    expect(upper.shape).toEqual([1, 1, 3, 3]);
  });

  it('VALID ignores listed pads', () => {
    const x = randomTensor('float32', [1, 1, 5, 5], 6);
    const w = randomTensor('float32', [1, 1, 2, 2], 7);
    const y = conv(x, w, undefined, params(2, { paddingMode: 'valid', padsBegin: [3, 3], padsEnd: [3, 3] }));
    expectTensorClose(y, naiveConv(x, w, undefined, [1, 1], [1, 1], [0, 0], [0, 0], 1), { rtol: 1e-5, atol: 1e-6 });
  });

  it('runs channels_last by moving channels and applies a fused residual + relu epilogue', () => {
    const x = randomTensor('float32', [1, 4, 4, 3], 8);
    const w = randomTensor('float32', [2, 3, 3, 3], 9);
    const residual = randomTensor('float32', [1, 4, 4, 2], 10);
    const p = params(2, {
      padsBegin: [1, 1],
      padsEnd: [1, 1],
      layout: 'channels_last',
      epilogue: { residualInput: 3, activation: { type: 'relu' } },
    });
    const y = runLayer('convolution', p, [x, w, undefined, residual])[0]!;
    const nchw = (t: Tensor) => {
      const [n, h, wd, c] = t.shape as [number, number, number, number];
      const v = t.toFloat64();
      return new Tensor(
        'float32',
        [n, c, h, wd],
        Float32Array.from({ length: t.size }, (_, i) => {
          const ci = Math.floor(i / (h * wd)) % c;
          const hw = i % (h * wd);
          return v[hw * c + ci]!;
        }),
      );
    };
    const ref = naiveConv(nchw(x), w, undefined, [1, 1], [1, 1], [1, 1], [1, 1], 1).toFloat64();
    const res = nchw(residual).toFloat64();
    const expectedNchw = new Tensor(
      'float32',
      [1, 2, 4, 4],
      Float32Array.from(ref, (v, i) => Math.max(0, v + res[i]!)),
    );
    expectTensorClose(nchw(y), expectedNchw, { rtol: 1e-5, atol: 1e-6 });
  });

  it('keeps float64 and integer dtypes (ConvInteger lowers to int32)', () => {
    const x = Tensor.fromValues('int32', [1, 1, 3], [1, 2, 3]);
    const w = Tensor.fromValues('int32', [1, 1, 2], [2, -1]);
    const y = conv(x, w, undefined, params(1));
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.data as Int32Array)).toEqual([0, 1]);
  });

  it('computes output sizes with ceil mode and drops windows that start in the end padding', () => {
    const g = windowGeometry([5], {
      kernel: [2],
      strides: [2],
      dilations: [1],
      padsBegin: [0],
      padsEnd: [1],
      paddingMode: 'explicit',
      ceilMode: true,
    });
    expect(g.outSpatial).toEqual([3]);
    const h = windowGeometry([4], {
      kernel: [2],
      strides: [2],
      dilations: [1],
      padsBegin: [1],
      padsEnd: [1],
      paddingMode: 'explicit',
      ceilMode: true,
    });
    expect(h.outSpatial).toEqual([3]);
  });

  it('rejects inconsistent shapes with a KilnError naming the layer', () => {
    const x = f32(new Array(2 * 3 * 3).fill(1), [1, 2, 3, 3]);
    const w = f32(new Array(3 * 3 * 3).fill(1), [1, 3, 3, 3]);
    let err: unknown;
    try {
      conv(x, w, undefined, params(2));
    } catch (e) {
      err = e;
    }
    expect(isKilnError(err, ErrorCode.SHAPE_MISMATCH)).toBe(true);
    expect(String((err as Error).message)).toContain('convolution_layer');
    const big = f32(new Array(9 * 9).fill(1), [1, 1, 9, 9]);
    expect(() => conv(f32([1, 2, 3, 4], [1, 1, 2, 2]), big, undefined, params(2))).toThrow(/does not fit/);
  });
});
