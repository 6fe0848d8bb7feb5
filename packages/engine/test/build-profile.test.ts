/**
 * Optimization profiles in buildPlan: a network whose spatial dims are symbolic builds (tuned
 * or not) without any dim taken as 1, records its profile, runs at shapes inside the profile
 * and refuses shapes outside it with FEED_SHAPE_MISMATCH naming the input and the range.
 */
import { ErrorCode, KilnError, MemoryLogger, Tensor } from '@kiln-inference/core';
import { loadCpuNative, runReference } from '@kiln-inference/cpu-runtime';
import { convPoolNetwork, expectTensorClose, loadNativeForTests, mulberry32, nativeSkipNote } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan, deserializePlan, Engine, type OptimizationProfile, serializePlan } from '../src/index.js';

const native = loadNativeForTests('kiln_cpu.node', () => loadCpuNative());

function randomInput(shape: number[], seed: number): Tensor {
  const next = mulberry32(seed);
  return Tensor.fromValues(
    'float32',
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1),
  );
}

const profile: OptimizationProfile = { x: { min: [1, 3, 8, 8], opt: [1, 3, 16, 16], max: [2, 3, 32, 32] } };

async function expectRunsLikeReference(engine: Engine, shape: number[], seed: number, tol = { rtol: 1e-4, atol: 1e-5 }): Promise<void> {
  const x = randomInput(shape, seed);
  const ctx = engine.createExecutionContext();
  try {
    const got = (await ctx.run({ x })).y!;
    const want = runReference(convPoolNetwork(), { x }).get('y')!;
    expect(got.shape).toEqual(want.shape);
    expectTensorClose(got, want, tol);
  } finally {
    await ctx.dispose();
  }
}

function rejectsWith(code: string, pattern: RegExp) {
  return (e: unknown) => e instanceof KilnError && e.code === code && pattern.test(e.message);
}

describe('buildPlan with an optimization profile', () => {
  it('records the profile, runs at two shapes inside it and refuses one outside', async () => {
    const plan = deserializePlan(serializePlan(await buildPlan(convPoolNetwork(), { profile })));
    expect(plan.manifest.buildSettings.profile).toEqual({ x: { min: [1, 3, 8, 8], opt: [1, 3, 16, 16], max: [2, 3, 32, 32] } });
    const engine = await Engine.create(plan, { execution: 'inline' });
    await expectRunsLikeReference(engine, [1, 3, 16, 16], 1);
    await expectRunsLikeReference(engine, [2, 3, 9, 31], 2);
    const ctx = engine.createExecutionContext();
    try {
      await expect(ctx.run({ x: randomInput([1, 3, 40, 16], 3) })).rejects.toSatisfy(
        rejectsWith(ErrorCode.FEED_SHAPE_MISMATCH, /input 'x' was fed shape \[1,3,40,16\], outside .*\[1\.\.2x3x8\.\.32x8\.\.32\]/),
      );
      await expect(ctx.run({ x: randomInput([3, 3, 16, 16], 4) })).rejects.toSatisfy(rejectsWith(ErrorCode.FEED_SHAPE_MISMATCH, /'x'/));
    } finally {
      await ctx.dispose();
    }
  });

  it('sizes the memory plan for the profile’s max shapes', async () => {
    const plan = await buildPlan(convPoolNetwork(), { profile });
    // At max x[2,3,32,32]: c[2,4,30,30] and y[2,4,15,15], float32.
    expect(plan.memoryPlan?.placements.c?.bytes).toBe(2 * 4 * 30 * 30 * 4);
    expect(plan.memoryPlan?.placements.y?.bytes).toBe(2 * 4 * 15 * 15 * 4);
    const placed = Object.values(plan.memoryPlan!.placements);
    expect(plan.memoryPlan!.arenaBytes).toBeGreaterThanOrEqual(Math.max(...placed.map((p) => p.offset + p.bytes)));
    // Without a profile the symbolic dims leave nothing to size: no memory plan.
    expect((await buildPlan(convPoolNetwork())).memoryPlan).toBeUndefined();
  });

  it('refuses a profile that does not fit the model, naming the input', async () => {
    const build = (p: OptimizationProfile) => buildPlan(convPoolNetwork(), { profile: p });
    const range = (min: number[], opt: number[], max: number[]) => ({ min, opt, max });
    await expect(build({ image: range([1, 3, 8, 8], [1, 3, 8, 8], [1, 3, 8, 8]) })).rejects.toSatisfy(
      rejectsWith(ErrorCode.INVALID_ARGUMENT, /'image', which is not an input/),
    );
    await expect(build({ x: range([1, 3, 8], [1, 3, 8], [1, 3, 8]) })).rejects.toSatisfy(
      rejectsWith(ErrorCode.INVALID_ARGUMENT, /'x' has rank 3, but the input is declared \[N,3,H,W\]/),
    );
    await expect(build({ x: range([1, 3, 16, 16], [1, 3, 8, 8], [1, 3, 32, 32]) })).rejects.toSatisfy(
      rejectsWith(ErrorCode.INVALID_ARGUMENT, /profile for 'x': dimension 2 has min 16, opt 8, max 32/),
    );
    await expect(build({ x: range([1, 4, 8, 8], [1, 4, 8, 8], [1, 4, 8, 8]) })).rejects.toSatisfy(
      rejectsWith(ErrorCode.INVALID_ARGUMENT, /'x' gives dimension 1 the range 4\.\.4, but the model fixes it at 3/),
    );
  });

  it('refuses a plan whose recorded profile does not fit its inputs as corrupted', async () => {
    const plan = await buildPlan(convPoolNetwork(), { profile });
    const tampered = {
      ...plan,
      manifest: { ...plan.manifest, buildSettings: { ...plan.manifest.buildSettings, profile: { x: { min: [1], opt: [1], max: [1] } } } },
    };
    await expect(Engine.create(tampered)).rejects.toSatisfy(rejectsWith(ErrorCode.PLAN_CORRUPTED, /optimization profile.*'x' has rank 1/));
  });
});

describe.skipIf(!native.ok)(`tuned builds of symbolic shapes${nativeSkipNote(native)}`, () => {
  it('times tactics at the opt shapes of the profile', async () => {
    const plan = await buildPlan(convPoolNetwork(), { profile, tune: true });
    expect(plan.manifest.buildSettings.tuned).toBe(true);
    expect(plan.tactics?.inputShapes).toEqual({ x: [1, 3, 16, 16] });
    expect(Object.keys(plan.tactics?.choices ?? {})).toContain('conv');
    const engine = await Engine.create(plan, { execution: 'inline' });
    await expectRunsLikeReference(engine, [1, 3, 16, 16], 5);
    await expectRunsLikeReference(engine, [1, 3, 8, 12], 6);
  });

  it('without a profile, takes no symbolic dim as 1: the layers stay untimed and a warning says so', async () => {
    const logger = new MemoryLogger();
    const plan = await buildPlan(convPoolNetwork(), { tune: true, logger });
    expect(plan.tactics).toBeUndefined();
    expect(logger.entries).toHaveLength(1);
    expect(logger.entries[0]!.level).toBe('warn');
    expect(logger.entries[0]!.message).toMatch(/input 'x' is \[N,3,H,W\] with no optimization profile: .* not timed/);
    await expectRunsLikeReference(await Engine.create(plan, { execution: 'inline' }), [1, 3, 10, 14], 7);
  });
});
