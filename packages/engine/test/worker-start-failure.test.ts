/**
 * An execution worker that cannot start (its script missing, as when @kiln-inference/engine's dist/ is
 * rebuilt under a running process; or the process short of memory) fails every run with a
 * RUNTIME_ERROR that says it never started and what to do, not a bare "worker failed".
 */
import { Worker } from 'node:worker_threads';
import { ErrorCode, KilnError, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { workerFailure } from '../src/backends/worker-failure.js';
import { buildPlan, Engine, type StartWorker } from '../src/index.js';
import { addNetwork } from './fixtures/add-network.js';

const feeds = {
  x: Tensor.fromValues('float32', [2, 3], [1, 2, 3, 4, 5, 6]),
  y: Tensor.fromValues('float32', [2, 3], [1, 1, 1, 1, 1, 1]),
};

const missingScript = new URL('./no-such-dir/engine-worker.js', import.meta.url);
const startMissingWorker: StartWorker = (workerData) => new Worker(missingScript, { workerData });

describe('an execution worker that cannot start', () => {
  it('rejects runs with RUNTIME_ERROR naming the missing script and the fix', async () => {
    const engine = await Engine.create(await buildPlan(addNetwork()), { execution: 'worker', startWorker: startMissingWorker });
    const ctx = engine.createExecutionContext();
    const error = await ctx.run(feeds).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KilnError);
    const k = error as KilnError;
    expect(k.code).toBe(ErrorCode.RUNTIME_ERROR);
    expect(k.message).toMatch(/^the execution worker could not start: (ERR_)?MODULE_NOT_FOUND: .*no-such-dir/);
    expect(k.hint).toMatch(/reinstall or rebuild @kiln-inference\/engine/);
    // Later runs give the same answer; dispose still settles.
    await expect(ctx.run(feeds)).rejects.toBe(error);
    await ctx.dispose();
  });
});

describe('workerFailure', () => {
  const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('tells a worker that never started from one that failed or exited while serving runs', () => {
    const oom = workerFailure({ error: coded('ERR_WORKER_OUT_OF_MEMORY', 'out of memory'), started: false });
    expect([oom.code, oom.message]).toEqual([
      ErrorCode.RUNTIME_ERROR,
      `the execution worker could not start: ERR_WORKER_OUT_OF_MEMORY: out of memory Hint: ${oom.hint}`,
    ]);
    expect(oom.hint).toMatch(/memory or a thread/);

    const failed = workerFailure({ error: new Error('boom'), started: true });
    expect(failed.message).toMatch(/^the execution worker failed: boom/);
    expect(failed.hint).toBe('create a new execution context');

    expect(workerFailure({ exitCode: 7, started: false }).message).toMatch(
      /^the execution worker exited \(code 7\) before its plan loaded/,
    );
    expect(workerFailure({ exitCode: 1, started: true }).message).toMatch(/^the execution worker exited \(code 1\) Hint/);
  });
});
