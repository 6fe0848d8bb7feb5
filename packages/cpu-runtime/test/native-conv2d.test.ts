import { Tensor } from '@kiln-inference/core';
import { expectTensorClose, loadNativeForTests, mulberry32, nativeSkipNote } from '@kiln-inference/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Conv2dParams, type Conv2dPath, loadCpuNative } from '../src/index.js';

const native = loadNativeForTests('kiln_cpu.node', loadCpuNative);
const suffix = nativeSkipNote(native);

function randomArray(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => rand() * 2 - 1);
}

interface Case {
  name: string;
  params: Conv2dParams;
  bias?: boolean;
  path: Conv2dPath;
}

/** Direct seven-loop convolution in float64 (NCHW, grouped, strided, dilated, padded). */
function referenceConv2d(
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  p: Conv2dParams,
): { data: Float64Array; shape: number[] } {
  const [n, c, h, wd] = p.xShape as [number, number, number, number];
  const [m, cg, kh, kw] = p.wShape as [number, number, number, number];
  const [sh, sw] = (p.strides ?? [1, 1]) as [number, number];
  const [pt, pl, pb, pr] = (p.pads ?? [0, 0, 0, 0]) as [number, number, number, number];
  const [dh, dw] = (p.dilations ?? [1, 1]) as [number, number];
  const groups = p.groups ?? 1;
  const oh = Math.floor((h + pt + pb - (dh * (kh - 1) + 1)) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - (dw * (kw - 1) + 1)) / sw) + 1;
  const mg = m / groups;
  const out = new Float64Array(n * m * oh * ow);
  for (let img = 0; img < n; img++)
    for (let oc = 0; oc < m; oc++) {
      const g = Math.floor(oc / mg);
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let sum = b ? b[oc]! : 0;
          for (let ci = 0; ci < cg; ci++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * sh - pt + ky * dh;
                const ix = ox * sw - pl + kx * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                sum += x[((img * c + g * cg + ci) * h + iy) * wd + ix]! * w[((oc * cg + ci) * kh + ky) * kw + kx]!;
              }
          out[((img * m + oc) * oh + oy) * ow + ox] = sum;
        }
    }
  return { data: out, shape: [n, m, oh, ow] };
}

const CASES: Case[] = [
  { name: '1×1 pointwise', params: { xShape: [2, 16, 7, 7], wShape: [8, 16, 1, 1] }, bias: true, path: 'pointwise_gemm' },
  { name: '1×1 stride 2', params: { xShape: [1, 8, 9, 9], wShape: [4, 8, 1, 1], strides: [2, 2] }, path: 'implicit_gemm' },
  { name: '3×3 pad 1', params: { xShape: [1, 3, 11, 13], wShape: [5, 3, 3, 3], pads: [1, 1, 1, 1] }, bias: true, path: 'implicit_gemm' },
  {
    name: 'strided, dilated, asymmetric pads',
    params: { xShape: [2, 4, 15, 12], wShape: [6, 4, 3, 2], strides: [2, 1], pads: [1, 0, 2, 1], dilations: [2, 2] },
    bias: true,
    path: 'implicit_gemm',
  },
  {
    name: 'grouped (2 groups)',
    params: { xShape: [1, 8, 9, 9], wShape: [6, 4, 3, 3], groups: 2, pads: [1, 1, 1, 1] },
    bias: true,
    path: 'implicit_gemm',
  },
  {
    name: 'batch 4 with 8 groups (GEMMs in parallel)',
    params: { xShape: [4, 16, 10, 10], wShape: [32, 2, 3, 3], groups: 8, pads: [1, 1, 1, 1] },
    bias: true,
    path: 'implicit_gemm',
  },
  {
    name: 'depthwise 3×3 stride 2',
    params: { xShape: [2, 6, 10, 9], wShape: [6, 1, 3, 3], groups: 6, strides: [2, 2], pads: [1, 1, 1, 1] },
    bias: true,
    path: 'depthwise_direct',
  },
  {
    name: 'depthwise multiplier 2, 5×5 dilated',
    params: { xShape: [1, 6, 12, 11], wShape: [12, 1, 5, 5], groups: 6, pads: [4, 3, 4, 2], dilations: [2, 2] },
    path: 'depthwise_direct',
  },
  {
    name: 'K > 256 across many tiles',
    params: { xShape: [1, 32, 28, 28], wShape: [64, 32, 3, 3], pads: [1, 1, 1, 1] },
    bias: true,
    path: 'implicit_gemm',
  },
  {
    name: '7×7 stride 2 stem',
    params: { xShape: [1, 3, 32, 32], wShape: [16, 3, 7, 7], strides: [2, 2], pads: [3, 3, 3, 3] },
    bias: true,
    path: 'implicit_gemm',
  },
];

function expectClose(actual: Float32Array, expected: { data: ArrayLike<number>; shape: number[] }): void {
  expectTensorClose(
    Tensor.fromValues('float32', expected.shape, actual),
    Tensor.fromValues('float32', expected.shape, Array.from(expected.data)),
    {
      rtol: 1e-4,
      atol: 1e-4,
    },
  );
}

describe.skipIf(!native.ok)(`native conv2d${suffix}`, () => {
  const addon = native.ok ? native.addon : undefined!;
  afterEach(() => {
    addon.setMicroKernel('auto');
  });

  for (const kernel of ['auto', 'generic'] as const) {
    for (const [index, c] of CASES.entries()) {
      it(`${c.name} (${kernel} micro-kernel)`, async () => {
        addon.setMicroKernel(kernel);
        const [n, ch, h, wd] = c.params.xShape as number[];
        const [m, cg, kh, kw] = c.params.wShape as number[];
        const x = randomArray(n! * ch! * h! * wd!, 10 + index);
        const w = randomArray(m! * cg! * kh! * kw!, 50 + index);
        const b = c.bias ? randomArray(m!, 90 + index) : null;
        const info = addon.conv2dInfo(c.params);
        expect(info.path).toBe(c.path);
        const expected = referenceConv2d(x, w, b, c.params);
        expect(info.outputShape).toEqual(expected.shape);
        expectClose(await addon.conv2d(x, w, b, c.params), expected);
      });
    }
  }

  it('fuses bias + residual + activation in that order', async () => {
    const params: Conv2dParams = { xShape: [1, 4, 8, 8], wShape: [4, 4, 3, 3], pads: [1, 1, 1, 1] };
    const x = randomArray(256, 1);
    const w = randomArray(144, 2);
    const b = randomArray(4, 3);
    const residual = randomArray(256, 4);
    const plain = referenceConv2d(x, w, b, params);
    const withResidual = plain.data.map((v, i) => v + residual[i]!);
    const relu = await addon.conv2d(x, w, b, { ...params, residual, activation: 'relu' });
    expectClose(relu, { data: withResidual.map((v) => Math.max(0, v)), shape: plain.shape });
    const clip = await addon.conv2d(x, w, b, { ...params, residual, activation: { type: 'clip', alpha: 0, beta: 0.5 } });
    expectClose(clip, { data: withResidual.map((v) => Math.min(0.5, Math.max(0, v))), shape: plain.shape });
    const dwParams: Conv2dParams = { xShape: [1, 4, 8, 8], wShape: [4, 1, 3, 3], groups: 4, pads: [1, 1, 1, 1] };
    const dw = randomArray(36, 5);
    const dwPlain = referenceConv2d(x, dw, b, dwParams);
    const leaky = await addon.conv2d(x, dw, b, { ...dwParams, residual, activation: { type: 'leaky_relu', alpha: 0.1 } });
    expectClose(leaky, {
      data: dwPlain.data.map((v, i) => (v + residual[i]! >= 0 ? v + residual[i]! : 0.1 * (v + residual[i]!))),
      shape: dwPlain.shape,
    });
  });

  it('rejects inconsistent shapes and params with a hint', () => {
    const x = new Float32Array(2 * 4 * 5 * 5);
    const w = new Float32Array(3 * 4 * 3 * 3);
    expect(() => addon.conv2dInfo({ xShape: [2, 4, 5, 5], wShape: [3, 2, 3, 3] })).toThrow(/wShape\[1\] = C \/ groups = 4/);
    expect(() => addon.conv2dInfo({ xShape: [2, 4, 5, 5], wShape: [3, 2, 3, 3], groups: 2 })).toThrow(/groups = 2 must divide/);
    expect(() => addon.conv2dInfo({ xShape: [2, 4, 5, 5], wShape: [3, 4, 7, 7] })).toThrow(/does not fit the padded input/);
    expect(() => addon.conv2dInfo({ xShape: [2, 4, 5], wShape: [3, 4, 3, 3] })).toThrow(/xShape must have 4 entries/);
    expect(() => addon.conv2dInfo({ xShape: [2, 4, 5, 5], wShape: [3, 4, 3, 3], strides: [0, 1] })).toThrow(/strides\[0\] = 0 is outside/);
    expect(() => addon.conv2d(x.subarray(1), w, null, { xShape: [2, 4, 5, 5], wShape: [3, 4, 3, 3] })).toThrow(/x has 199 elements/);
    expect(() => addon.conv2d(x, w, new Float32Array(2), { xShape: [2, 4, 5, 5], wShape: [3, 4, 3, 3] })).toThrow(/b has 2 elements/);
    expect(() => addon.conv2d(x, w, null, { xShape: [2, 4, 5, 5], wShape: [3, 4, 3, 3], residual: new Float32Array(3) })).toThrow(
      /params.residual has 3 elements but shape \[2, 3, 3, 3\]/,
    );
    expect(() => addon.conv2dInfo({ xShape: [1 << 20, 1 << 20, 1 << 20, 2], wShape: [1, 1 << 20, 1, 1] })).toThrow(
      /more than 2\^40 elements/,
    );
  });
});
