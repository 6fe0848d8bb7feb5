import { ErrorCode, KilnError, Network, Tensor } from '@kiln-inference/core';
import type { Kernel } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { type BuilderRule, buildPlan, Engine, serializePlan } from '../src/index.js';
import { startSourceWorker } from './fixtures/source-worker.js';

/** y = x * fields.scale + fields.bias (a tensor broadcast along the last axis). */
const affine: Kernel<'plugin'> = (layer, [x]) => {
  const scale = layer.params.fields.scale as number;
  const bias = (layer.params.fields.bias as Tensor).toFloat64();
  const xs = x!.toFloat64();
  return [
    Tensor.fromValues(
      'float32',
      x!.shape,
      Array.from(xs, (v, i) => v * scale + bias[i % bias.length]!),
    ),
  ];
};

function affineNetwork(): Network {
  const net = new Network('affine');
  net.addInput({ name: 'x', dtype: 'float32', shape: ['batch', 2] });
  net.addLayer('plugin', {
    name: 'affine',
    inputs: ['x'],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 2] }],
    params: { namespace: 'test', name: 'affine', version: '1', fields: { scale: 2, bias: Tensor.fromValues('float32', [2], [10, 20]) } },
  });
  net.markOutput('y');
  return net;
}

function countingPlugins(): { plugins: Map<string, Kernel<'plugin'>>; calls: () => number } {
  let calls = 0;
  const counted: Kernel<'plugin'> = (layer, inputs, ctx) => {
    calls++;
    return affine(layer, inputs, ctx);
  };
  return { plugins: new Map([['test::affine::1', counted]]), calls: () => calls };
}

describe('Engine and ExecutionContext (inline)', () => {
  it('describes inputs and outputs and runs a plan loaded from bytes', async () => {
    const { plugins } = countingPlugins();
    const bytes = serializePlan(await buildPlan(affineNetwork()));
    const engine = await Engine.create(bytes, { plugins });
    expect(engine.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 2] }]);
    expect(engine.outputs).toEqual([{ name: 'y', dtype: 'float32', shape: ['batch', 2] }]);
    const ctx = engine.createExecutionContext();
    expect(ctx.offThread).toBe(false);
    const out = await ctx.run({ x: Tensor.fromValues('float32', [2, 2], [1, 2, 3, 4]) });
    expectTensorClose(out.y!, Tensor.fromValues('float32', [2, 2], [12, 24, 16, 28]), { rtol: 0, atol: 0 });
    await ctx.dispose();
  });

  it('runs several independent contexts concurrently', async () => {
    const { plugins } = countingPlugins();
    const engine = await Engine.create(await buildPlan(affineNetwork()), { plugins });
    const [a, b] = [engine.createExecutionContext(), engine.createExecutionContext()];
    const [ya, yb] = await Promise.all([
      a.run({ x: Tensor.fromValues('float32', [1, 2], [0, 0]) }),
      b.run({ x: Tensor.fromValues('float32', [1, 2], [1, 1]) }),
    ]);
    expectTensorClose(ya.y!, Tensor.fromValues('float32', [1, 2], [10, 20]), { rtol: 0, atol: 0 });
    expectTensorClose(yb.y!, Tensor.fromValues('float32', [1, 2], [12, 22]), { rtol: 0, atol: 0 });
    await a.dispose();
    const again = await b.run({ x: Tensor.fromValues('float32', [1, 2], [2, 2]) });
    expectTensorClose(again.y!, Tensor.fromValues('float32', [1, 2], [14, 24]), { rtol: 0, atol: 0 });
    await b.dispose();
  });

  it('validates feeds before anything runs', async () => {
    const { plugins, calls } = countingPlugins();
    const ctx = (await Engine.create(await buildPlan(affineNetwork()), { plugins })).createExecutionContext();
    await expect(ctx.run({})).rejects.toMatchObject({ code: ErrorCode.MISSING_FEED });
    await expect(ctx.run({ x: Tensor.fromValues('int32', [1, 2], [1, 2]) })).rejects.toMatchObject({ code: ErrorCode.FEED_DTYPE_MISMATCH });
    await expect(ctx.run({ x: Tensor.fromValues('float32', [1, 3], [1, 2, 3]) })).rejects.toMatchObject({
      code: ErrorCode.FEED_SHAPE_MISMATCH,
    });
    await expect(ctx.run({ x: Tensor.fromValues('float32', [1, 2], [1, 2]), z: Tensor.scalar('float32', 1) })).rejects.toMatchObject({
      code: ErrorCode.UNKNOWN_FEED,
    });
    expect(calls()).toBe(0);
    await ctx.dispose();
    await expect(ctx.run({ x: Tensor.fromValues('float32', [1, 2], [1, 2]) })).rejects.toThrow(/disposed/);
  });
});

describe('buildPlan', () => {
  it('rejects an invalid network naming the layer', async () => {
    const net = new Network('bad');
    net.addInput({ name: 'x', dtype: 'float32', shape: [1] });
    net.addLayer('identity', {
      name: 'reads_nothing',
      inputs: ['missing'],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1] }],
      params: {},
    });
    net.markOutput('y');
    await expect(buildPlan(net)).rejects.toSatisfy(
      (e: unknown) => e instanceof KilnError && e.code === ErrorCode.GRAPH_DANGLING_INPUT && /reads_nothing/.test(e.message),
    );
  });

  it('runs builder rules on a copy and records them in the build settings', async () => {
    const net = new Network('rules');
    net.addInput({ name: 'x', dtype: 'float32', shape: [2] });
    net.addLayer('identity', { name: 'id1', inputs: ['x'], outputs: [{ name: 'a', dtype: 'float32', shape: [2] }], params: {} });
    net.addLayer('identity', { name: 'id2', inputs: ['a'], outputs: [{ name: 'b', dtype: 'float32', shape: [2] }], params: {} });
    net.markOutput('b');
    // Collapses identity chains: id2 reads id1's input directly; id1 then has no reader and goes.
    const collapse: BuilderRule = {
      name: 'collapse-identity-chain',
      targets: ['identity'],
      condition: ({ network, layer }) => network.layers.some((l) => l.kind === 'identity' && l.outputs[0] === layer.inputs[0]),
      apply: ({ network, layer, index }) => {
        const producer = network.layers.find((l) => l.outputs[0] === layer.inputs[0])!;
        network.layers[index] = { ...layer, inputs: [...producer.inputs] };
        network.layers = network.layers.filter((l) => l !== producer);
        return `bypassed ${producer.name}`;
      },
    };
    const events: string[] = [];
    const plan = await buildPlan(net, { rules: [collapse], onProgress: (e) => e.message && events.push(e.message) });
    expect(plan.network.layers.map((l) => l.name)).toEqual(['id2']);
    expect(plan.network.layers[0]!.inputs).toEqual(['x']);
    expect(net.layers.map((l) => l.name)).toEqual(['id1', 'id2']);
    expect(plan.manifest.buildSettings.passes).toEqual(['collapse-identity-chain']);
    expect(events.some((m) => m.includes('bypassed id1'))).toBe(true);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(buildPlan(affineNetwork(), { signal: controller.signal })).rejects.toMatchObject({ code: ErrorCode.ABORTED });
  });
});

describe('ExecutionContext in a worker thread', () => {
  function passThroughNetwork(): Network {
    const net = new Network('pass');
    net.addInput({ name: 'x', dtype: 'int64', shape: [3] });
    net.addInput({ name: 's', dtype: 'string', shape: [2] });
    net.markOutput('x');
    net.markOutput('s');
    return net;
  }

  it("runs off the calling thread and leaves the caller's feeds usable", async () => {
    const engine = await Engine.create(await buildPlan(passThroughNetwork()), { execution: 'worker', startWorker: startSourceWorker });
    const ctx = engine.createExecutionContext();
    expect(ctx.offThread).toBe(true);
    const x = Tensor.fromValues('int64', [3], [1n, -(2n ** 60n), 3n]);
    const s = Tensor.fromValues('string', [2], ['a', 'ü']);
    const [first, second] = await Promise.all([ctx.run({ x, s }), ctx.run({ x, s })]);
    for (const out of [first, second]) {
      expect(out.x!.toArray()).toEqual([1n, -(2n ** 60n), 3n]);
      expect(out.s!.toArray()).toEqual(['a', 'ü']);
    }
    expect(x.toArray()).toEqual([1n, -(2n ** 60n), 3n]);
    await ctx.dispose();
    await expect(ctx.run({ x, s })).rejects.toThrow(/disposed/);
  });

  it('brings kernel errors back with their code and layer', async () => {
    const net = new Network('bad-broadcast');
    net.addInput({ name: 'a', dtype: 'float32', shape: null });
    net.addInput({ name: 'b', dtype: 'float32', shape: null });
    net.addLayer('elementwise', {
      name: 'add',
      inputs: ['a', 'b'],
      outputs: [{ name: 'y', dtype: 'float32', shape: null }],
      params: { op: 'add' },
    });
    net.markOutput('y');
    const engine = await Engine.create(await buildPlan(net), { execution: 'worker', startWorker: startSourceWorker });
    const ctx = engine.createExecutionContext();
    const run = ctx.run({ a: Tensor.fromValues('float32', [2], [1, 2]), b: Tensor.fromValues('float32', [3], [1, 2, 3]) });
    await expect(run).rejects.toSatisfy((e: unknown) => e instanceof KilnError && e.layer?.name === 'add' && /add/.test(e.message));
    await ctx.dispose();
  });

  it('refuses worker execution for function plugins', async () => {
    const { plugins } = countingPlugins();
    const engine = await Engine.create(await buildPlan(affineNetwork()), { plugins, execution: 'worker', startWorker: startSourceWorker });
    expect(() => engine.createExecutionContext()).toThrow(/cannot run in a worker thread/);
  });
});
