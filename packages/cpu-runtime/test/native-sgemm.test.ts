import { Tensor } from '@kiln-inference/core';
import { expectTensorClose, loadNativeForTests, mulberry32, nativeSkipNote } from '@kiln-inference/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCpuNative } from '../src/index.js';

const native = loadNativeForTests('kiln_cpu.node', loadCpuNative);
const suffix = nativeSkipNote(native);

function randomArray(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => rand() * 2 - 1);
}

/** Straightforward triple loop in float64: the oracle for the packed native GEMM. */
function referenceGemm(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  bias?: Float32Array,
  alpha = 1,
  beta = 1,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[transA ? p * m + i : i * k + p]! * b[transB ? j * k + p : p * n + j]!;
      let biasValue = 0;
      if (bias) biasValue = bias.length === n && !(bias.length === m * n && m > 1) ? bias[j]! : bias[i * n + j]!;
      out[i * n + j] = alpha * sum + beta * biasValue;
    }
  }
  return out;
}

function expectMatrixClose(actual: Float32Array, expected: ArrayLike<number>, m: number, n: number, k: number): void {
  // float32 accumulation over k terms of magnitude ≤ 1: error grows about linearly with k.
  const atol = 1e-6 * Math.max(16, k);
  expectTensorClose(Tensor.fromValues('float32', [m, n], actual), Tensor.fromValues('float32', [m, n], Array.from(expected)), {
    rtol: 1e-4,
    atol,
  });
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [6, 16, 256],
  [37, 53, 300],
  [100, 1, 70],
  [1, 1000, 513],
  [130, 70, 600],
];

describe.skipIf(!native.ok)(`native sgemm${suffix}`, () => {
  const addon = native.ok ? native.addon : undefined!;
  afterEach(() => {
    addon.setMicroKernel('auto');
  });

  for (const kernel of ['auto', 'generic'] as const) {
    describe(`micro-kernel ${kernel}`, () => {
      for (const [m, n, k] of SHAPES) {
        for (const [transA, transB] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const) {
          it(`${m}×${n}×${k} transA=${transA} transB=${transB}`, async () => {
            addon.setMicroKernel(kernel);
            const a = randomArray(m * k, m * 31 + k);
            const b = randomArray(k * n, n * 17 + k);
            const c = await addon.sgemm(a, b, m, n, k, transA, transB);
            expectMatrixClose(c, referenceGemm(a, b, m, n, k, transA, transB), m, n, k);
          });
        }
      }
    });
  }

  it('reports the micro-kernel the CPU features allow', () => {
    const features = addon.cpuFeatures();
    expect(addon.microKernel()).toBe(features.avx2 && features.fma ? 'avx2_fma' : 'generic');
    expect(addon.setMicroKernel('generic')).toBe('generic');
    expect(addon.threadCount()).toBeGreaterThanOrEqual(1);
  });

  it('adds a per-column bias and scales with alpha/beta', async () => {
    const [m, n, k] = [19, 23, 41];
    const a = randomArray(m * k, 1);
    const b = randomArray(k * n, 2);
    const bias = randomArray(n, 3);
    const c = await addon.sgemm(a, b, m, n, k, false, false, bias, { alpha: 0.5, beta: 2 });
    expectMatrixClose(c, referenceGemm(a, b, m, n, k, false, false, bias, 0.5, 2), m, n, k);
  });

  it('adds a full M×N bias matrix', async () => {
    const [m, n, k] = [9, 33, 17];
    const a = randomArray(m * k, 4);
    const b = randomArray(k * n, 5);
    const bias = randomArray(m * n, 6);
    const c = await addon.sgemm(a, b, m, n, k, false, true, bias);
    expectMatrixClose(c, referenceGemm(a, b, m, n, k, false, true, bias), m, n, k);
  });

  it('fuses relu and clip activations after the bias', async () => {
    const [m, n, k] = [12, 40, 30];
    const a = randomArray(m * k, 7);
    const b = randomArray(k * n, 8);
    const bias = randomArray(n, 9);
    const plain = referenceGemm(a, b, m, n, k, false, false, bias);
    const relu = await addon.sgemm(a, b, m, n, k, false, false, bias, { activation: 'relu' });
    expectMatrixClose(
      relu,
      plain.map((v) => Math.max(0, v)),
      m,
      n,
      k,
    );
    const clip = await addon.sgemm(a, b, m, n, k, false, false, bias, { activation: { type: 'clip', alpha: -0.5, beta: 0.25 } });
    expectMatrixClose(
      clip,
      plain.map((v) => Math.min(0.25, Math.max(-0.5, v))),
      m,
      n,
      k,
    );
  });

  it('K = 0 gives just the bias', async () => {
    const bias = randomArray(5, 10);
    const c = await addon.sgemm(new Float32Array(0), new Float32Array(0), 3, 5, 0, false, false, bias);
    expectMatrixClose(c, referenceGemm(new Float32Array(0), new Float32Array(0), 3, 5, 0, false, false, bias), 3, 5, 0);
  });

  it('runs concurrent calls correctly on the shared thread pool', async () => {
    const jobs = Array.from({ length: 8 }, (_, t) => {
      const [m, n, k] = [40 + t, 64 + 3 * t, 90 + t];
      const a = randomArray(m * k, 100 + t);
      const b = randomArray(k * n, 200 + t);
      return { m, n, k, a, b, promise: addon.sgemm(a, b, m, n, k, false, false) };
    });
    for (const job of jobs) {
      expectMatrixClose(await job.promise, referenceGemm(job.a, job.b, job.m, job.n, job.k, false, false), job.m, job.n, job.k);
    }
  });

  it('does not block the event loop while it computes', async () => {
    const size = 512;
    const a = randomArray(size * size, 11);
    let ticked = false;
    setImmediate(() => {
      ticked = true;
    });
    await addon.sgemm(a, a, size, size, size, false, false);
    expect(ticked).toBe(true);
  });

  it('rejects bad arguments with messages that name them', () => {
    const a = new Float32Array(6);
    expect(() => addon.sgemm(a, a, 2, 3, 4, false, false)).toThrow(/a has 6 elements but M×K needs 8/);
    expect(() => addon.sgemm(new Float64Array(6) as unknown as Float32Array, a, 2, 3, 3, false, false)).toThrow(
      /a must be a Float32Array, got a Float64Array/,
    );
    expect(() => addon.sgemm(a, a, -2, 3, 3, false, false)).toThrow(/M = -2 is outside/);
    expect(() => addon.sgemm(a, a, 2.5, 3, 3, false, false)).toThrow(/M must be an integer/);
    expect(() => addon.sgemm(a, new Float32Array(9), 2, 3, 3, false, false, new Float32Array(4))).toThrow(
      /bias has 4 elements; it must have N = 3/,
    );
    expect(() => addon.sgemm(a, new Float32Array(9), 2, 3, 3, false, false, null, { activation: 'wobble' as 'relu' })).toThrow(
      /unknown activation 'wobble'.*Hint: use one of: none, relu/,
    );
    try {
      addon.sgemm(a, a, 2, 3, 4, false, false);
    } catch (e) {
      expect((e as { code?: string }).code).toBe('INVALID_ARGUMENT');
    }
  });
});
