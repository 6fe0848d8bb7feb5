/**
 * Execution-context lifetime under stress, asserted by outcomes, never by time: many contexts
 * with runs in flight disposed mid-flight, a worker killed under a run, AbortSignals fired, odd
 * messages posted to the worker, and an idle context that must not keep its process alive.
 */
import type { Worker } from 'node:worker_threads';
import { ErrorCode, KilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose, withoutFallbackWarnings } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan, Engine, type ExecutionMode, type StartWorker } from '../src/index.js';
import { addNetwork } from './fixtures/add-network.js';
import { startDyingWorker } from './fixtures/dying-worker.js';
import { runFixture } from './fixtures/run-fixture.js';
import { startSourceWorker } from './fixtures/source-worker.js';

function feedsFor(k: number) {
  return {
    x: Tensor.fromValues(
      'float32',
      [2, 3],
      [1, 2, 3, 4, 5, 6].map((v) => v * k),
    ),
    y: Tensor.fromValues('float32', [2, 3], [1, 1, 1, 1, 1, 1]),
  };
}

function expected(k: number): Tensor {
  return Tensor.fromValues(
    'float32',
    [2, 3],
    [1, 2, 3, 4, 5, 6].map((v) => v * k + 1),
  );
}

const isCode = (code: string) => (e: unknown) => e instanceof KilnError && e.code === code;

/** Records the workers a context starts, so a test can reach the thread behind it. */
function recordingStart(start: StartWorker): { start: StartWorker; workers: Worker[] } {
  const workers: Worker[] = [];
  return {
    workers,
    start: (data) => {
      const w = start(data);
      workers.push(w);
      return w;
    },
  };
}

describe.each(['worker', 'inline'] as const)('context lifetime (%s)', (execution: ExecutionMode) => {
  it('many contexts × runs, each disposed with runs in flight: every run resolves right or rejects ABORTED', async () => {
    const engine = await Engine.create(await buildPlan(addNetwork()), { execution, startWorker: startSourceWorker });
    const contexts = Array.from({ length: 6 }, () => engine.createExecutionContext());
    // Context i completes i runs, then is disposed with four more in flight.
    const outcomes = await Promise.all(
      contexts.map(async (ctx, i) => {
        for (let k = 0; k < i; k++) expectTensorClose((await ctx.run(feedsFor(k))).z!, expected(k), { rtol: 0, atol: 0 });
        const settled = Promise.allSettled([1, 2, 3, 4].map((k) => ctx.run(feedsFor(k))));
        await ctx.dispose();
        return settled;
      }),
    );
    for (const settled of outcomes.flat()) {
      expect(settled.status).toBe('rejected');
      if (settled.status === 'rejected') expect(settled.reason).toSatisfy(isCode(ErrorCode.ABORTED));
    }
    for (const ctx of contexts) {
      await expect(ctx.run(feedsFor(1))).rejects.toSatisfy(
        (e: unknown) => isCode(ErrorCode.INVALID_ARGUMENT)(e) && /disposed/.test(String(e)),
      );
      await ctx.dispose();
    }
  });

  it('interleaves runs over contexts sharing one engine without mixing their outputs', async () => {
    const engine = await Engine.create(await buildPlan(addNetwork()), { execution, startWorker: startSourceWorker });
    const contexts = Array.from({ length: 4 }, () => engine.createExecutionContext());
    const runs = contexts.flatMap((ctx, c) => Array.from({ length: 8 }, (_, r) => ({ k: c * 8 + r, out: ctx.run(feedsFor(c * 8 + r)) })));
    for (const { k, out } of runs) expectTensorClose((await out).z!, expected(k), { rtol: 0, atol: 0 });
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
  });

  it('rejects a run whose AbortSignal fires, before or after it starts, and keeps the context usable', async () => {
    const engine = await Engine.create(await buildPlan(addNetwork()), { execution, startWorker: startSourceWorker });
    const ctx = engine.createExecutionContext();
    await expect(ctx.run(feedsFor(1), { signal: AbortSignal.abort() })).rejects.toSatisfy(isCode(ErrorCode.ABORTED));
    const controller = new AbortController();
    const run = ctx.run(feedsFor(2), { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(run).rejects.toSatisfy((e: unknown) => isCode(ErrorCode.ABORTED)(e) && (e as KilnError).cause instanceof Error);
    expectTensorClose((await ctx.run(feedsFor(3), { signal: new AbortController().signal })).z!, expected(3), { rtol: 0, atol: 0 });
    await ctx.dispose();
  });
});

describe('a worker that dies', () => {
  it('rejects the pending run with RUNTIME_ERROR and refuses later runs with a clear error', async () => {
    const engine = await Engine.create(await buildPlan(addNetwork()), { execution: 'worker', startWorker: startDyingWorker });
    const ctx = engine.createExecutionContext();
    const died = (e: unknown) =>
      isCode(ErrorCode.RUNTIME_ERROR)(e) &&
      /exited \(code 7\)/.test(String(e)) &&
      /new execution context/.test((e as KilnError).hint ?? '');
    await expect(ctx.run(feedsFor(1))).rejects.toSatisfy(died);
    await expect(ctx.run(feedsFor(2))).rejects.toSatisfy(died);
    await ctx.dispose();
  });

  it('rejects pending runs with RUNTIME_ERROR when its thread is terminated from outside', async () => {
    const { start, workers } = recordingStart(startSourceWorker);
    const engine = await Engine.create(await buildPlan(addNetwork()), { execution: 'worker', startWorker: start });
    const ctx = engine.createExecutionContext();
    expectTensorClose((await ctx.run(feedsFor(1))).z!, expected(1), { rtol: 0, atol: 0 });
    const pending = [ctx.run(feedsFor(2)), ctx.run(feedsFor(3))];
    const settled = Promise.allSettled(pending);
    await workers[0]!.terminate();
    for (const s of await settled) {
      // A run the worker finished before it was ended resolves with its right outputs.
      if (s.status === 'fulfilled') continue;
      expect(s.reason).toSatisfy(isCode(ErrorCode.RUNTIME_ERROR));
    }
    await expect(ctx.run(feedsFor(4))).rejects.toSatisfy(isCode(ErrorCode.RUNTIME_ERROR));
    await ctx.dispose();
  });
});

describe('the execution worker answers any message', () => {
  it('turns malformed requests into KilnError responses and keeps serving runs', async () => {
    const { start, workers } = recordingStart(startSourceWorker);
    const engine = await Engine.create(await buildPlan(addNetwork()), { execution: 'worker', startWorker: start });
    const ctx = engine.createExecutionContext();
    expectTensorClose((await ctx.run(feedsFor(1))).z!, expected(1), { rtol: 0, atol: 0 });
    const worker = workers[0]!;
    const garbage: unknown[] = [
      null,
      'run',
      { id: 1000 },
      { id: 1001, feeds: 'x' },
      { id: 1002, feeds: [{ name: 'x', dtype: 'float32', shape: [2, 3], data: new DataView(new ArrayBuffer(24)) }] },
      { id: 1003, feeds: [{ name: 'x', dtype: 'float32', shape: [2, 3], data: new Float32Array(2) }] },
      { id: 1004, feeds: [{ name: 'x', dtype: 'float32', shape: [2, 3], data: new Float32Array(6) }] },
    ];
    const answers: { id: number | null; ok: boolean; error?: { code: string } }[] = [];
    const received = new Promise<void>((done) => {
      const onMessage = (m: (typeof answers)[number]) => {
        answers.push(m);
        if (answers.length === garbage.length) {
          worker.off('message', onMessage);
          done();
        }
      };
      worker.on('message', onMessage);
    });
    for (const m of garbage) worker.postMessage(m);
    await received;
    expect(answers.map((a) => a.id)).toEqual([-1, -1, 1000, 1001, 1002, 1003, 1004]);
    expect(answers.every((a) => !a.ok)).toBe(true);
    expect(answers.map((a) => a.error?.code)).toEqual([
      ErrorCode.INVALID_ARGUMENT,
      ErrorCode.INVALID_ARGUMENT,
      ErrorCode.INVALID_ARGUMENT,
      ErrorCode.INVALID_ARGUMENT,
      ErrorCode.INVALID_ARGUMENT,
      ErrorCode.SHAPE_MISMATCH,
      ErrorCode.MISSING_FEED,
    ]);
    expectTensorClose((await ctx.run(feedsFor(5))).z!, expected(5), { rtol: 0, atol: 0 });
    await ctx.dispose();
  });
});

describe('an idle context', () => {
  it('does not keep its process alive: a script that creates contexts and never runs them exits by itself', () => {
    const child = runFixture('never-run.ts');
    expect(withoutFallbackWarnings(child.stderr)).toBe('');
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('created 2 contexts, offThread=true');
  });
});
