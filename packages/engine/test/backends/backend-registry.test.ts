/**
 * Backends are found in a registry passed explicitly (or the default one): the engine alone knows
 * only the CPU, a registered backend builds and runs plans through buildPlan and Engine (here a
 * fake device standing in for CUDA: tactics and timings as data, the timing cache, forced tactics,
 * the device check), and support queries give reasons.
 */
import { ErrorCode, isKilnError, type Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { convPoolNetwork, expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import {
  BackendRegistry,
  buildPlan,
  CpuBackend,
  defaultBackends,
  Engine,
  networkConstants,
  serializePlan,
  splitStages,
  TimingCache,
} from '../../src/index.js';
import { FakeDeviceBackend } from './fake-device-backend.js';
import { mixedInput, mixedNetwork } from './mixed-network.js';

const rejectsWith = (code: ErrorCode, pattern: RegExp) => (e: unknown) => isKilnError(e, code) && pattern.test(e.message);

/** A registry holding one fake device as 'cuda', and the backends it created. */
function fakeRegistry(): { registry: BackendRegistry; made: FakeDeviceBackend[] } {
  const made: FakeDeviceBackend[] = [];
  const registry = new BackendRegistry().register('cuda', () => {
    const b = new FakeDeviceBackend();
    made.push(b);
    return b;
  });
  return { registry, made };
}

const shapes = { x: { min: [1, 2, 4, 4], opt: [1, 2, 4, 4], max: [2, 2, 4, 4] } };

describe('BackendRegistry', () => {
  it('holds the CPU backend by default; the engine alone has no CUDA backend and says what to import', async () => {
    expect(defaultBackends.names()).toContain('cpu');
    expect(defaultBackends.create('cpu')).toBeInstanceOf(CpuBackend);
    expect(() => new BackendRegistry().create('cuda')).toThrow(/'cuda' backend is not available in this installation/);
    await expect(buildPlan(mixedNetwork(), { backend: 'cuda', backends: new BackendRegistry() })).rejects.toSatisfy(
      (e: unknown) => isKilnError(e, ErrorCode.NATIVE_UNAVAILABLE) && /kiln-inference/.test(e.hint ?? ''),
    );
    await expect(buildPlan(mixedNetwork(), { backend: 'tpu' as never })).rejects.toSatisfy(
      rejectsWith(ErrorCode.INVALID_ARGUMENT, /backend 'tpu' does not exist/),
    );
    expect(() => new BackendRegistry().register('tpu' as never, () => new CpuBackend())).toThrow(/plans name only cpu, cuda/);
  });

  it('keeps registries apart: registering in one leaves the default untouched', () => {
    const { registry } = fakeRegistry();
    expect(registry.names()).toEqual(['cuda']);
    expect(defaultBackends.create('cpu').name).toBe('cpu');
    expect(registry.has('cpu')).toBe(false);
  });

  it("checks precisions against the backend's list", async () => {
    await expect(buildPlan(mixedNetwork(), { precision: 'fp16' })).rejects.toSatisfy(
      rejectsWith(ErrorCode.INVALID_ARGUMENT, /precision 'fp16' is not available on the cpu backend/),
    );
    await expect(buildPlan(mixedNetwork(), { backend: 'cuda', backends: fakeRegistry().registry, precision: 'tf32' })).rejects.toSatisfy(
      rejectsWith(ErrorCode.INVALID_ARGUMENT, /precision 'tf32' is not available on the cuda backend/),
    );
  });
});

describe('a registered device backend through buildPlan and Engine', () => {
  it('records every candidate as data, with workspace, in the plan and the timing cache; a warm build times nothing', async () => {
    const { registry, made } = fakeRegistry();
    const cache = new TimingCache();
    const cold = await buildPlan(mixedNetwork(), { backend: 'cuda', backends: registry, tune: true, timingCache: cache, profile: shapes });
    expect(cold.manifest.backend).toBe('cuda');
    expect(cold.manifest.device).toEqual({ type: 'Fake GPU', arch: '9.0' });
    expect(cold.tactics?.device).toBe('fake-gpu 9.0');
    expect(cold.tactics?.choices).toEqual({
      conv: { tactic: 'winograd', timings: { direct: 2, winograd: 1 }, source: 'measured', workspaceBytes: 4096 },
    });
    // Only the convolution was asked about, by op number, and both its candidates were timed.
    expect(made[0]!.timed).toEqual([
      [
        { opIndex: 0, tactic: 'direct', workspaceBytes: 0 },
        { opIndex: 0, tactic: 'winograd', workspaceBytes: 4096 },
      ],
    ]);
    const file = JSON.parse(cache.serialize()) as { version: number; entries: Record<string, unknown> };
    expect(file.version).toBe(2);
    expect(Object.values(file.entries)).toEqual([{ direct: { ms: 2, workspaceBytes: 0 }, winograd: { ms: 1, workspaceBytes: 4096 } }]);

    const warm = await buildPlan(mixedNetwork(), {
      backend: 'cuda',
      backends: registry,
      tune: true,
      timingCache: TimingCache.parse(cache.serialize()),
      profile: shapes,
    });
    expect(made[1]!.timed).toEqual([]);
    expect(warm.tactics?.choices.conv).toEqual({
      tactic: 'winograd',
      timings: { direct: 2, winograd: 1 },
      source: 'cache',
      workspaceBytes: 4096,
    });
    expect(Buffer.compare(Buffer.from(serializePlan(warm)), Buffer.from(serializePlan({ ...cold, tactics: warm.tactics! })))).toBe(0);
  });

  it('keeps tactics within maxWorkspaceSize', async () => {
    const { registry } = fakeRegistry();
    const plan = await buildPlan(mixedNetwork(), {
      backend: 'cuda',
      backends: registry,
      tune: true,
      maxWorkspaceSize: 1024,
      profile: shapes,
    });
    expect(plan.tactics?.choices.conv).toEqual({ tactic: 'direct', timings: { direct: 2 }, source: 'measured', workspaceBytes: 0 });
  });

  it('runs contexts on the staged runner with the plan tactics forced, and refuses another device', async () => {
    const { registry, made } = fakeRegistry();
    const plan = await buildPlan(mixedNetwork(), { backend: 'cuda', backends: registry, tune: true, profile: shapes });
    const engine = await Engine.create(plan, { backends: registry });
    const ctx = engine.createExecutionContext();
    expect(ctx.offThread).toBe(true);
    const x = mixedInput(7);
    const y = (await ctx.run({ x })).y!;
    expectTensorClose(y, new ReferenceExecutor().run(mixedNetwork(), { x }).get('y') as Tensor, { rtol: 1e-6, atol: 1e-6 });
    const runs = made.at(-1)!;
    expect(runs.created.map((p) => p.ops.map((op) => [op.op, op.tactic]))).toEqual([[['conv2d', 'winograd']], [['binary', undefined]]]);
    await ctx.dispose();
    expect(runs.disposed).toBe(2);

    const elsewhere = { ...plan, manifest: { ...plan.manifest, device: { type: 'Other GPU', arch: '7.5' } } };
    await expect(Engine.create(elsewhere, { backends: registry })).rejects.toSatisfy(
      rejectsWith(ErrorCode.PLAN_DEVICE_MISMATCH, /Other GPU/),
    );
  });
});

describe('ProgramBackend.support', () => {
  it('answers per layer with the reason it does not lower, and splits stages by it', () => {
    const net = mixedNetwork();
    const constants = networkConstants(net);
    const cpu = new CpuBackend();
    const isConstant = (t: string) => constants.has(t);
    const verdicts = Object.fromEntries(net.layers.map((l) => [l.name, cpu.support(l, net, isConstant)]));
    expect(verdicts).toEqual({
      w: { supported: true },
      conv: { supported: true },
      pick: { supported: false, reason: 'hardmax' },
      sum: { supported: true },
    });
    expect(splitStages(net, constants, new Set(), cpu.support.bind(cpu)).map((s) => [s.kind, s.layers.map((l) => l.name)])).toEqual([
      ['native', ['conv']],
      ['reference', ['pick']],
      ['native', ['sum']],
    ]);
  });

  it('gives the reason a tensor cannot be a value of the op, on the CPU and on the device alike', () => {
    const net = convPoolNetwork();
    net.tensors.set('x', { ...net.tensor('x'), dtype: 'int32' });
    const conv = net.layers.find((l) => l.name === 'conv')!;
    const constants = networkConstants(net);
    const reason = { supported: false, reason: "'x' is int32; native convolution kernels compute float32 only" };
    expect(new CpuBackend().support(conv, net, (t) => constants.has(t))).toEqual(reason);
    expect(new FakeDeviceBackend().support(conv, net, (t) => constants.has(t))).toEqual(reason);
  });
});
