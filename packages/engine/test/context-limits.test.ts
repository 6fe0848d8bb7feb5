/**
 * A context's resource limits hold wherever its kernels run: applied to the worker thread when
 * it starts, and around the synchronous kernel sections of an inline context. An output over
 * maxTensorBytes is a RESOURCE_LIMIT error naming the layer that would produce it.
 */
import { ErrorCode, KilnError, Tensor } from '@kiln-inference/core';
import { loadCpuNative } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { buildPlan, type CpuKernels, Engine, type ExecutionMode } from '../src/index.js';
import { addNetwork } from './fixtures/add-network.js';
import { startSourceWorker } from './fixtures/source-worker.js';

/** z[64,64] = x[64,1] + y[1,64]: 256-byte feeds, a 16 KiB output. */
const broadcastAdd = () => addNetwork([64, 1], [1, 64], [64, 64]);
const feeds = () => ({
  x: Tensor.fromValues(
    'float32',
    [64, 1],
    Array.from({ length: 64 }, (_, i) => i),
  ),
  y: Tensor.fromValues(
    'float32',
    [1, 64],
    Array.from({ length: 64 }, (_, j) => 100 * j),
  ),
});
const sum = Tensor.fromValues(
  'float32',
  [64, 64],
  Array.from({ length: 64 * 64 }, (_, k) => Math.floor(k / 64) + 100 * (k % 64)),
);

const overLimit = (e: unknown) =>
  e instanceof KilnError && e.code === ErrorCode.RESOURCE_LIMIT && e.layer?.name === 'add' && /maxTensorBytes/.test(e.message);

const modes: [ExecutionMode, CpuKernels][] = [
  ['worker', 'native'],
  ['worker', 'reference'],
  ['inline', 'native'],
  ['inline', 'reference'],
];

describe.each(modes)('context resource limits (%s, %s kernels)', (execution, kernels) => {
  it.skipIf(kernels === 'native' && !loadCpuNative().ok)('refuses an output over maxTensorBytes, naming the layer', async () => {
    const plan = await buildPlan(broadcastAdd());
    const engine = await Engine.create(plan, { execution, kernels, startWorker: startSourceWorker, limits: { maxTensorBytes: 4096 } });
    const tight = engine.createExecutionContext();
    await expect(tight.run(feeds())).rejects.toSatisfy(overLimit);
    // The same engine with the limit raised for one context runs the same feeds.
    const roomy = engine.createExecutionContext({ limits: { maxTensorBytes: 65_536 } });
    expectTensorClose((await roomy.run(feeds())).z!, sum, { rtol: 0, atol: 0 });
    await Promise.all([tight.dispose(), roomy.dispose()]);
  });
});

describe('limits options', () => {
  it('refuse unknown or invalid limits when the engine or context is created', async () => {
    const plan = await buildPlan(broadcastAdd());
    await expect(Engine.create(plan, { limits: { maxTensorBites: 1 } as never })).rejects.toSatisfy(
      (e: unknown) => e instanceof KilnError && e.code === ErrorCode.INVALID_ARGUMENT && /maxTensorBites/.test(e.message),
    );
    const engine = await Engine.create(plan, { execution: 'inline' });
    expect(() => engine.createExecutionContext({ limits: { maxTensorBytes: -1 } })).toThrow(/maxTensorBytes must be a finite number/);
  });
});
