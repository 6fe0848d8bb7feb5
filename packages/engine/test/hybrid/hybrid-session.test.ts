/**
 * HybridSession's contract beyond the cache: feed checks, constant folding of fallback steps,
 * a segment whose engine cannot be built still runs (unconverted), saved engines are adopted
 * instead of rebuilt, and a disposed session refuses to run.
 */
import { ErrorCode, Graph, KilnError, Tensor } from '@kiln-inference/core';
import { nodeSetOracle, partition } from '@kiln-inference/partitioner';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { type BuilderRule, type HybridEvent, HybridSession } from '../../src/index.js';
import { chainGraph, chainHybrid, runWhole, tinyRegistry } from './support/chain-graph.js';

const registry = tinyRegistry();
const engineOptions = { execution: 'inline' as const, kernels: 'reference' as const };
const x = randomTensor('float32', [3, 4], 5, -2, 2);

describe('HybridSession', () => {
  it('checks feeds: a missing input and an unknown one are KilnErrors that name them', async () => {
    const s = await HybridSession.create(chainHybrid(['N', 4]).hybrid, { registry, engineOptions });
    await expect(s.run({})).rejects.toMatchObject({ code: ErrorCode.MISSING_FEED, message: expect.stringMatching(/'x'/) });
    await expect(s.run({ x, y: x })).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_FEED, message: expect.stringMatching(/'y'/) });
    // A failed run does not block the queue.
    expect(Object.keys(await s.run({ x }))).toEqual(['y']);
    await s.dispose();
    await expect(s.run({ x })).rejects.toThrow(/disposed hybrid session/);
  });

  it('folds fallback steps that read only weights, and gives their values to the engines as weights', async () => {
    const n = (name: string, op: string, inputs: string[]) => ({ name, op, domain: '', inputs, outputs: [name], attributes: {} });
    const graph = new Graph({
      format: 'onnx',
      name: 'folded',
      // w2 = Relu(w) never sees a feed: it runs once at creation, not at every run.
      nodes: [n('w2', 'Relu', ['w']), n('a', 'Add', ['x', 'w2']), n('b', 'Tanh', ['a']), n('y', 'Mul', ['b', 'w2'])],
      inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [3, 4] } }],
      outputs: [{ name: 'y', type: null }],
      weights: new Map([['w', randomTensor('float32', [3, 4], 9, -1, 1)]]),
      opsetImports: [{ domain: '', version: 17 }],
    });
    const { hybrid } = partition(graph, nodeSetOracle(['a', 'b', 'y']), { minimumSegmentSize: 1 });
    expect(hybrid.steps.map((s) => s.kind)).toEqual(['fallback', 'engine']);
    const s = await HybridSession.create(hybrid, { registry, engineOptions });
    const runner = s.engineNodes[0]!;
    expect(runner.graph.weights.has('w2')).toBe(true);
    expect(runner.feeds).toEqual(['x']);
    expectTensorClose((await s.run({ x })).y!, runWhole(graph, registry, { x }).get('y')!, { rtol: 1e-6, atol: 1e-6 });
    await s.dispose();
  });

  it('runs a segment unconverted when its engine cannot be built, and does not retry those shapes', async () => {
    const failing: BuilderRule = {
      name: 'always-fails',
      targets: ['activation'],
      condition: () => true,
      apply: () => {
        throw new KilnError(ErrorCode.UNSUPPORTED_LAYER, 'this build cannot lower activations');
      },
    };
    const events: HybridEvent[] = [];
    const s = await HybridSession.create(chainHybrid(['N', 4]).hybrid, {
      registry,
      engineOptions,
      isDynamicOp: true,
      buildOptions: { rules: [failing] },
      onEvent: (e) => events.push(e),
    });
    const expected = runWhole(chainGraph(['N', 4]), registry, { x }).get('y')!;
    expectTensorClose((await s.run({ x })).y!, expected, { rtol: 1e-6, atol: 1e-6 });
    expectTensorClose((await s.run({ x })).y!, expected, { rtol: 1e-6, atol: 1e-6 });
    expect(events).toMatchObject([
      { type: 'fallback', reason: 'build-failed', message: expect.stringMatching(/cannot lower activations/) },
      { type: 'fallback', reason: 'build-failed' },
    ]);
    expect(s.counters).toMatchObject({ builds: 0, fallbacks: 2 });
    await s.dispose();
  });

  it('starts with saved engines instead of building them', async () => {
    const first = await HybridSession.create(chainHybrid([3, 4]).hybrid, { registry, engineOptions });
    const saved = first.savedEngines();
    await first.dispose();
    expect([...saved.values()].map((e) => e.map((s) => s.signatures))).toEqual([[[{ kind: 'tensor', dtype: 'float32', shape: [3, 4] }]]]);
    const events: HybridEvent[] = [];
    const second = await HybridSession.create(chainHybrid([3, 4]).hybrid, {
      registry,
      engineOptions,
      engines: saved,
      onEvent: (e) => events.push(e),
    });
    expect(events).toMatchObject([{ type: 'build', origin: 'loaded' }]);
    const y = (await second.run({ x })).y!;
    expect(events[1]).toMatchObject({ type: 'hit', match: 'exact' });
    expect(y).toBeInstanceOf(Tensor);
    await second.dispose();
  });
});
