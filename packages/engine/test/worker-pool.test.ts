/**
 * Execution workers are reused across contexts: a context disposed with no run in flight hands
 * its worker back, and the next context started with the same StartWorker loads its own plan
 * (and limits) into it. Asserted by outcomes and by the workers each StartWorker started.
 */
import type { Worker } from 'node:worker_threads';
import { ErrorCode, KilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose, withoutFallbackWarnings } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { MAX_IDLE_WORKERS } from '../src/backends/worker-pool.js';
import { buildPlan, Engine, releaseIdleWorkers, type StartWorker } from '../src/index.js';
import { addNetwork } from './fixtures/add-network.js';
import { runFixture } from './fixtures/run-fixture.js';
import { startSourceWorker } from './fixtures/source-worker.js';

/** A StartWorker of its own (the pool keys idle workers by it) that records what it started. */
function recordingStart(): { start: StartWorker; workers: Worker[] } {
  const workers: Worker[] = [];
  return {
    workers,
    start: (data) => {
      const w = startSourceWorker(data);
      workers.push(w);
      return w;
    },
  };
}

const f32 = (shape: number[], values: number[]) => Tensor.fromValues('float32', shape, values);

/** z[2,3] = x + y. */
async function addEngine(start: StartWorker, limits?: { maxTensorBytes: number }) {
  return Engine.create(await buildPlan(addNetwork()), { execution: 'worker', startWorker: start, ...(limits ? { limits } : {}) });
}

/** z[3,2] = x[3,1] + y[1,2]: a different plan, with a broadcast. */
async function broadcastEngine(start: StartWorker) {
  return Engine.create(await buildPlan(addNetwork([3, 1], [1, 2], [3, 2])), { execution: 'worker', startWorker: start });
}

const addFeeds = { x: f32([2, 3], [1, 2, 3, 4, 5, 6]), y: f32([2, 3], [10, 20, 30, 40, 50, 60]) };
const addSum = f32([2, 3], [11, 22, 33, 44, 55, 66]);
const broadcastFeeds = { x: f32([3, 1], [1, 2, 3]), y: f32([1, 2], [100, 200]) };
const broadcastSum = f32([3, 2], [101, 201, 102, 202, 103, 203]);

describe('execution worker pool', () => {
  it('hands a disposed context’s worker to the next context, which runs its own plan in it', async () => {
    const { start, workers } = recordingStart();
    const first = (await addEngine(start)).createExecutionContext();
    expectTensorClose((await first.run(addFeeds)).z!, addSum, { rtol: 0, atol: 0 });
    await first.dispose();
    const second = (await broadcastEngine(start)).createExecutionContext();
    // A broadcast the first plan could not compute: the worker now holds the second plan.
    expectTensorClose((await second.run(broadcastFeeds)).z!, broadcastSum, { rtol: 0, atol: 0 });
    await second.dispose();
    expect(workers).toHaveLength(1);
    await releaseIdleWorkers();
  });

  it('does not carry a context’s resource limits over to the next context in the same worker', async () => {
    const { start, workers } = recordingStart();
    const tight = (await addEngine(start, { maxTensorBytes: 16 })).createExecutionContext();
    await expect(tight.run(addFeeds)).rejects.toSatisfy((e: unknown) => e instanceof KilnError && e.code === ErrorCode.RESOURCE_LIMIT);
    await tight.dispose();
    const roomy = (await addEngine(start)).createExecutionContext();
    expectTensorClose((await roomy.run(addFeeds)).z!, addSum, { rtol: 0, atol: 0 });
    await roomy.dispose();
    expect(workers).toHaveLength(1);
    await releaseIdleWorkers();
  });

  it('ends a worker disposed with runs in flight instead of reusing it', async () => {
    const { start, workers } = recordingStart();
    const engine = await addEngine(start);
    const busy = engine.createExecutionContext();
    const inFlight = expect(busy.run(addFeeds)).rejects.toSatisfy((e: unknown) => e instanceof KilnError && e.code === ErrorCode.ABORTED);
    await busy.dispose();
    await inFlight;
    const next = engine.createExecutionContext();
    expectTensorClose((await next.run(addFeeds)).z!, addSum, { rtol: 0, atol: 0 });
    await next.dispose();
    expect(workers).toHaveLength(2);
    await releaseIdleWorkers();
  });

  it('starts a new worker when the idle one was ended (from outside, or by releaseIdleWorkers)', async () => {
    const { start, workers } = recordingStart();
    const engine = await addEngine(start);
    const a = engine.createExecutionContext();
    await a.run(addFeeds);
    await a.dispose();
    await workers[0]!.terminate();
    const b = engine.createExecutionContext();
    expectTensorClose((await b.run(addFeeds)).z!, addSum, { rtol: 0, atol: 0 });
    await b.dispose();
    await releaseIdleWorkers();
    const c = engine.createExecutionContext();
    expectTensorClose((await c.run(addFeeds)).z!, addSum, { rtol: 0, atol: 0 });
    await c.dispose();
    expect(workers).toHaveLength(3);
    await releaseIdleWorkers();
  });

  it('keeps one worker per concurrent context, and reuses them all afterwards', async () => {
    const { start, workers } = recordingStart();
    const engine = await addEngine(start);
    for (let round = 0; round < 2; round++) {
      const contexts = [engine.createExecutionContext(), engine.createExecutionContext()];
      const outputs = await Promise.all(contexts.map((ctx) => ctx.run(addFeeds)));
      for (const out of outputs) expectTensorClose(out.z!, addSum, { rtol: 0, atol: 0 });
      await Promise.all(contexts.map((ctx) => ctx.dispose()));
    }
    expect(workers).toHaveLength(2);
    await releaseIdleWorkers();
  });

  it('keeps at most MAX_IDLE_WORKERS idle over every StartWorker, ending the longest idle one first', async () => {
    const starts = Array.from({ length: MAX_IDLE_WORKERS + 1 }, () => recordingStart());
    const firstExited = new Promise<number>((resolve) => {
      const start = starts[0]!.start;
      starts[0]!.start = (data) => start(data).once('exit', resolve);
    });
    // All run at once, then are disposed back to back: the last release finds the pool full.
    const contexts = await Promise.all(starts.map(async ({ start }) => (await addEngine(start)).createExecutionContext()));
    for (const ctx of contexts) expectTensorClose((await ctx.run(addFeeds)).z!, addSum, { rtol: 0, atol: 0 });
    for (const ctx of contexts) await ctx.dispose();
    await firstExited;
    // The others still wait in the pool: their next contexts start no worker.
    for (const { start, workers } of starts.slice(1)) {
      const ctx = (await addEngine(start)).createExecutionContext();
      expectTensorClose((await ctx.run(addFeeds)).z!, addSum, { rtol: 0, atol: 0 });
      await ctx.dispose();
      expect(workers).toHaveLength(1);
    }
    await releaseIdleWorkers();
  });

  it('keeps no idle worker holding its process open: a script that disposes its context exits by itself', () => {
    const child = runFixture('disposed-then-idle.ts');
    expect(withoutFallbackWarnings(child.stderr)).toBe('');
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('ran and disposed; handles keeping the process alive: none');
  });
});
