/**
 * What keeps the event loop free, asserted by ordering, never by milliseconds (the delay figures
 * are a benchmark: `pnpm bench --suite event-loop`). A worker context hands a run off its
 * thread: the run cannot settle until the loop has turned. The inline reference-kernel control
 * runs within the microtasks of the call, so a callback queued behind it waits for the whole run.
 */
import { Network, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan, Engine } from '../src/index.js';
import { startSourceWorker } from './fixtures/source-worker.js';

/** One 64×64 by 64×64 matmul of small integers (exact in float32). */
function matmulNetwork(): Network {
  const net = new Network('matmul');
  net.addInput({ name: 'a', dtype: 'float32', shape: [64, 64] });
  net.addInput({ name: 'b', dtype: 'float32', shape: [64, 64] });
  net.addLayer('matrix_multiply', {
    name: 'mm',
    inputs: ['a', 'b'],
    outputs: [{ name: 'y', dtype: 'float32', shape: [64, 64] }],
    params: { transposeA: false, transposeB: false },
  });
  net.markOutput('y');
  return net;
}

const n = 64;
const a = Array.from({ length: n * n }, (_, i) => (i % 7) - 3);
const b = Array.from({ length: n * n }, (_, i) => (i % 5) - 2);
const feeds = () => ({ a: Tensor.fromValues('float32', [n, n], a), b: Tensor.fromValues('float32', [n, n], b) });
const product = Tensor.fromValues(
  'float32',
  [n, n],
  Array.from({ length: n * n }, (_, k) => {
    const [i, j] = [Math.floor(k / n), k % n];
    let s = 0;
    for (let p = 0; p < n; p++) s += a[i * n + p]! * b[p * n + j]!;
    return s;
  }),
);

/** Lets every queued microtask (and those they queue) run, without letting the loop turn. */
async function drainMicrotasks(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

describe('event loop', () => {
  it('a worker context runs off the thread: its run settles only after the loop turns', async () => {
    const engine = await Engine.create(await buildPlan(matmulNetwork()), {
      execution: 'worker',
      kernels: 'reference',
      startWorker: startSourceWorker,
    });
    const ctx = engine.createExecutionContext();
    expect(ctx.offThread).toBe(true);
    for (let round = 0; round < 3; round++) {
      let settled = false;
      const run = ctx.run(feeds()).finally(() => {
        settled = true;
      });
      await drainMicrotasks();
      // The outputs can only come back as a message, in a later turn of the loop.
      expect(settled).toBe(false);
      let turns = 0;
      while (!settled) {
        await new Promise((resolve) => setImmediate(resolve));
        turns++;
      }
      expect(turns).toBeGreaterThan(0);
      expectTensorClose((await run).y!, product, { rtol: 0, atol: 0 });
    }
    await ctx.dispose();
  });

  it('(control) an inline reference-kernel run completes before a callback queued after it', async () => {
    const engine = await Engine.create(await buildPlan(matmulNetwork()), { execution: 'inline', kernels: 'reference' });
    const ctx = engine.createExecutionContext();
    expect(ctx.offThread).toBe(false);
    const order: string[] = [];
    const run = ctx.run(feeds()).then((out) => {
      order.push('run');
      return out;
    });
    const immediate = new Promise<void>((resolve) =>
      setImmediate(() => {
        order.push('immediate');
        resolve();
      }),
    );
    await Promise.all([run, immediate]);
    expect(order).toEqual(['run', 'immediate']);
    expectTensorClose((await run).y!, product, { rtol: 0, atol: 0 });
    await ctx.dispose();
  });
});
