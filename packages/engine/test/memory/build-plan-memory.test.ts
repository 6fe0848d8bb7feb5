/** buildPlan's memory step: planned for static networks, skipped (and said so) for dynamic ones, strict when asked. */
import { ErrorCode, KilnError, type ProgressEvent } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { type BuildOptions, buildPlan as build } from '../../src/index.js';
import { TestNet } from './network-builder.js';

/** No rules and no tuning: these tests look at the memory step alone. */
const buildPlan = (network: Parameters<typeof build>[0], options: BuildOptions = {}) =>
  build(network, { rules: [], tune: false, ...options });

function relus(shape: (number | string)[]): TestNet {
  const t = new TestNet();
  t.input('x', shape as number[]);
  const a = t.relu('a', 'x', shape as number[]);
  t.output(t.relu('b', a, shape as number[]));
  return t;
}

describe('buildPlan memory plan', () => {
  it('plans a static network and reports peak vs sum', async () => {
    const events: ProgressEvent[] = [];
    const plan = await buildPlan(relus([1, 16]).net, { onProgress: (e) => events.push(e) });
    expect(plan.memoryPlan).toMatchObject({ arenaBytes: 64, sumBytes: 128 });
    expect(events.find((e) => e.phase === 'memory')?.message).toMatch(/arena 0\.00 MiB for 0\.00 MiB of activations \(50\.0%\)/);
  });

  it('builds a dynamic network without a memory plan and says why', async () => {
    const events: ProgressEvent[] = [];
    const plan = await buildPlan(relus(['batch', 16]).net, { onProgress: (e) => events.push(e) });
    expect(plan.memoryPlan).toBeUndefined();
    expect(events.find((e) => e.phase === 'memory')?.message).toMatch(/no memory plan: .*'a'/);
  });

  it('requires the plan when memory options are given, and passes them on', async () => {
    await expect(buildPlan(relus(['batch', 16]).net, { memory: {} })).rejects.toSatisfy(
      (e: unknown) => e instanceof KilnError && e.code === ErrorCode.INVALID_SHAPE,
    );
    const plan = await buildPlan(relus(['batch', 16]).net, { memory: { shapes: new Map([['x', [4, 16]]]), alignment: 128 } });
    expect(plan.memoryPlan).toMatchObject({ alignment: 128, arenaBytes: 256 });
  });

  it('skips the plan when told to', async () => {
    expect((await buildPlan(relus([1, 16]).net, { memory: false })).memoryPlan).toBeUndefined();
  });
});
