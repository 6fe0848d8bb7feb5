/**
 * CUDA plans through buildPlan and Engine, with the CUDA backend the umbrella registers: the
 * precision each backend accepts, the device a plan records, and the load-time device check.
 * Without a GPU, building or loading a CUDA plan says so (NATIVE_UNAVAILABLE); on a GPU host the
 * plan runs and matches the CPU backend, also for symbolic shapes built with a profile.
 */
import { ErrorCode, KilnError, Network, type Tensor } from '@kiln-inference/core';
import { cudaStatus } from '@kiln-inference/cuda-runtime';
import { convPoolNetwork, expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan, deserializePlan, Engine, type OptimizationProfile, runReference, serializePlan, TimingCache } from '../src/index.js';

const gpu = cudaStatus().devices.length > 0;

function convNetwork(): Network {
  const net = new Network('conv');
  net.addInput({ name: 'x', dtype: 'float32', shape: [2, 3, 16, 16] });
  const w = randomTensor('float32', [8, 3, 3, 3], 3);
  net.addLayer('constant', {
    name: 'w',
    inputs: [],
    outputs: [{ name: 'w', dtype: 'float32', shape: [8, 3, 3, 3] }],
    params: { value: w },
  });
  net.addLayer('convolution', {
    name: 'conv',
    inputs: ['x', 'w'],
    outputs: [{ name: 'c', dtype: 'float32', shape: [2, 8, 16, 16] }],
    params: {
      kernelShape: [3, 3],
      strides: [1, 1],
      padsBegin: [1, 1],
      padsEnd: [1, 1],
      dilations: [1, 1],
      groups: 1,
      paddingMode: 'explicit',
      epilogue: { activation: { type: 'relu' } },
    },
  });
  net.addLayer('pooling', {
    name: 'pool',
    inputs: ['c'],
    outputs: [{ name: 'y', dtype: 'float32', shape: [2, 8, 1, 1] }],
    params: {
      type: 'average',
      global: true,
      window: [],
      strides: [],
      padsBegin: [],
      padsEnd: [],
      dilations: [],
      paddingMode: 'explicit',
      ceilMode: false,
      countIncludePad: false,
    },
  });
  net.markOutput('y');
  return net;
}

describe('CUDA plans', () => {
  it('refuses precisions a backend does not have', async () => {
    await expect(buildPlan(convNetwork(), { precision: 'fp16' })).rejects.toThrow(/not available on the cpu backend/);
    await expect(buildPlan(convNetwork(), { backend: 'cuda', precision: 'int8' as never })).rejects.toThrow(KilnError);
  });

  it.skipIf(gpu)('says when there is no CUDA device to build for or to load on', async () => {
    await expect(buildPlan(convNetwork(), { backend: 'cuda', precision: 'fp16' })).rejects.toSatisfy(
      (e: unknown) => e instanceof KilnError && e.code === ErrorCode.NATIVE_UNAVAILABLE,
    );
    const cpuPlan = await buildPlan(convNetwork());
    const cudaPlan = {
      ...cpuPlan,
      manifest: { ...cpuPlan.manifest, backend: 'cuda' as const, device: { type: 'NVIDIA H100 80GB HBM3', arch: '9.0' } },
    };
    await expect(Engine.create(cudaPlan)).rejects.toSatisfy(
      (e: unknown) => e instanceof KilnError && e.code === ErrorCode.NATIVE_UNAVAILABLE,
    );
  });

  it.skipIf(!gpu)('builds for this GPU, refuses another GPU model, and matches the CPU backend', async () => {
    const x = randomTensor('float32', [2, 3, 16, 16], 9);
    const cpu = await Engine.create(await buildPlan(convNetwork()), { execution: 'inline' });
    const expected = await cpu.createExecutionContext().run({ x });
    for (const precision of ['fp32', 'tf32', 'fp16'] as const) {
      const plan = await buildPlan(convNetwork(), { backend: 'cuda', precision });
      expect(plan.manifest.backend).toBe('cuda');
      expect(plan.manifest.buildSettings.precision).toBe(precision);
      const engine = await Engine.create(plan);
      const ctx = engine.createExecutionContext();
      const out = await ctx.run({ x });
      const tol = precision === 'fp16' ? { rtol: 1e-2, atol: 1e-2 } : { rtol: 1e-3, atol: 1e-4 };
      expectTensorClose(out.y as Tensor, expected.y as Tensor, tol);
      await ctx.dispose();
      const elsewhere = { ...plan, manifest: { ...plan.manifest, device: { type: 'Some Other GPU', arch: '7.5' } } };
      await expect(Engine.create(elsewhere)).rejects.toSatisfy(
        (e: unknown) => e instanceof KilnError && e.code === ErrorCode.PLAN_DEVICE_MISMATCH,
      );
    }
  });

  it.skipIf(!gpu)('times tactics on the device at build, caches them, and a warm build chooses the same without timing', async () => {
    const cache = new TimingCache();
    const cold = await buildPlan(convNetwork(), { backend: 'cuda', precision: 'fp16', tune: true, timingCache: cache });
    const layers = Object.keys(cold.tactics?.choices ?? {});
    expect(layers).toContain('conv');
    expect(Object.values(cold.tactics!.choices).every((c) => c.source === 'measured')).toBe(true);
    // Each choice keeps every candidate's timing, and the chosen one is the fastest of them.
    for (const c of Object.values(cold.tactics!.choices)) {
      expect(Object.keys(c.timings)).toContain(c.tactic);
      expect(c.timings[c.tactic]).toBe(Math.min(...Object.values(c.timings)));
    }
    const warm = await buildPlan(convNetwork(), {
      backend: 'cuda',
      precision: 'fp16',
      tune: true,
      timingCache: TimingCache.parse(cache.serialize()),
    });
    expect(Object.values(warm.tactics!.choices).every((c) => c.source === 'cache')).toBe(true);
    expect(Object.fromEntries(Object.entries(warm.tactics!.choices).map(([k, c]) => [k, c.tactic]))).toEqual(
      Object.fromEntries(Object.entries(cold.tactics!.choices).map(([k, c]) => [k, c.tactic])),
    );
    const warmAgain = await buildPlan(convNetwork(), {
      backend: 'cuda',
      precision: 'fp16',
      tune: true,
      timingCache: TimingCache.parse(cache.serialize()),
    });
    expect(Buffer.compare(Buffer.from(serializePlan(warmAgain)), Buffer.from(serializePlan(warm)))).toBe(0);
    // The plan's tactics are forced in execution contexts and the results still match the CPU.
    const x = randomTensor('float32', [2, 3, 16, 16], 10);
    const expected = await (await Engine.create(await buildPlan(convNetwork()), { execution: 'inline' }))
      .createExecutionContext()
      .run({ x });
    const ctx = (await Engine.create(deserializePlan(serializePlan(warm)))).createExecutionContext();
    expectTensorClose((await ctx.run({ x })).y as Tensor, expected.y as Tensor, { rtol: 1e-2, atol: 1e-2 });
    await ctx.dispose();
  });
});

describe.skipIf(!gpu)('CUDA builds of symbolic shapes', () => {
  const profile: OptimizationProfile = { x: { min: [1, 3, 8, 8], opt: [1, 3, 16, 16], max: [2, 3, 32, 32] } };

  it('times tactics at the opt shapes on the device, runs inside the profile and refuses outside it', async () => {
    const plan = await buildPlan(convPoolNetwork(), { backend: 'cuda', profile, tune: true });
    expect(plan.tactics?.inputShapes).toEqual({ x: [1, 3, 16, 16] });
    expect(plan.manifest.buildSettings.profile).toEqual(profile);
    const engine = await Engine.create(deserializePlan(serializePlan(plan)));
    const ctx = engine.createExecutionContext();
    try {
      for (const [shape, seed] of [
        [[1, 3, 16, 16], 8],
        [[2, 3, 20, 9], 9],
      ] as const) {
        const x = randomTensor('float32', [...shape], seed, -1, 1);
        const want = runReference(convPoolNetwork(), { x }).get('y')!;
        expectTensorClose((await ctx.run({ x })).y!, want, { rtol: 1e-3, atol: 1e-4 });
      }
      await expect(ctx.run({ x: randomTensor('float32', [1, 3, 7, 16], 10, -1, 1) })).rejects.toSatisfy(
        (e: unknown) => e instanceof KilnError && e.code === ErrorCode.FEED_SHAPE_MISMATCH && /'x'/.test(e.message),
      );
    } finally {
      await ctx.dispose();
    }
  });
});
