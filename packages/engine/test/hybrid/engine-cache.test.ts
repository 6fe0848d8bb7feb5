/**
 * The per-engine-node LRU engine cache, on its own (fake entries) and inside a HybridSession:
 * hits, LRU eviction order, batch reuse, no reuse across a different non-batch shape, and the
 * CPU fallback when the cache is full.
 */
import type { Shape } from '@kiln-inference/core';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import {
  type CacheEntry,
  EngineCache,
  type HybridEvent,
  HybridSession,
  type HybridSessionOptions,
  type InputSignature,
} from '../../src/index.js';
import { chainGraph, chainHybrid, runWhole, tinyRegistry } from './support/chain-graph.js';

const registry = tinyRegistry();
const sig = (...shape: number[]): InputSignature[] => [{ kind: 'tensor', dtype: 'float32', shape }];
const entry = (shape: number[], batchFlexible = true): CacheEntry & { label: string } => ({
  signatures: sig(...shape),
  batchFlexible,
  label: shape.join('x'),
});

describe('EngineCache', () => {
  it('finds an exact match and keeps recency: the least recently used entry is evicted first', () => {
    const cache = new EngineCache<ReturnType<typeof entry>>(2);
    expect(cache.insert(entry([2, 3]))).toEqual([]);
    expect(cache.insert(entry([2, 4]))).toEqual([]);
    expect(cache.lookup(sig(2, 3))?.match).toBe('exact'); // [2,3] becomes most recent
    const evicted = cache.insert(entry([2, 5]));
    expect(evicted.map((e) => e.label)).toEqual(['2x4']);
    expect(cache.entries().map((e) => e.label)).toEqual(['2x3', '2x5']);
    expect(cache.insert(entry([2, 6])).map((e) => e.label)).toEqual(['2x3']);
  });

  it('serves a smaller batch from the smallest batch-flexible engine that fits', () => {
    const cache = new EngineCache<ReturnType<typeof entry>>(4);
    cache.insert(entry([8, 3]));
    cache.insert(entry([4, 3]));
    cache.insert(entry([16, 3]));
    const hit = cache.lookup(sig(3, 3));
    expect(hit?.match).toBe('batch');
    expect(hit?.entry.label).toBe('4x3');
    expect(cache.lookup(sig(17, 3))).toBeUndefined();
  });

  it('never reuses an engine across a different non-batch dimension, rank or dtype', () => {
    const cache = new EngineCache<ReturnType<typeof entry>>(4);
    cache.insert(entry([8, 3]));
    expect(cache.lookup(sig(2, 4))).toBeUndefined();
    expect(cache.lookup(sig(2, 3, 1))).toBeUndefined();
    expect(cache.lookup([{ kind: 'tensor', dtype: 'float16', shape: [2, 3] }])).toBeUndefined();
  });

  it('does not batch-reuse an engine built for the exact shapes only', () => {
    const cache = new EngineCache<ReturnType<typeof entry>>(2);
    cache.insert(entry([8, 3], false));
    expect(cache.lookup(sig(2, 3))).toBeUndefined();
    expect(cache.lookup(sig(8, 3))?.match).toBe('exact');
  });

  it('refuses a capacity below one with a KilnError', () => {
    expect(() => new EngineCache(0)).toThrow(/maximumCachedEngines/);
  });
});

describe('the engine cache inside a hybrid session', () => {
  const x = (...shape: number[]) =>
    randomTensor(
      'float32',
      shape,
      shape.reduce((a, b) => a * b, 1),
      -2,
      2,
    );

  async function session(shape: Shape, options: Partial<HybridSessionOptions>) {
    const { hybrid } = chainHybrid(shape);
    // The reference runs the same chain with open dims, whatever the hybrid graph declares.
    const reference = chainGraph(['N', 'C']);
    const events: HybridEvent[] = [];
    const s = await HybridSession.create(hybrid, {
      registry,
      engineOptions: { execution: 'inline', kernels: 'reference' },
      onEvent: (e) => events.push(e),
      ...options,
    });
    /** Runs and checks the result against the whole graph on the reference kernels. */
    const check = async (input: ReturnType<typeof x>) => {
      const actual = await s.run({ x: input });
      const expected = runWhole(reference, registry, { x: input });
      expectTensorClose(actual.y!, expected.get('y')!, { rtol: 1e-6, atol: 1e-6 });
    };
    return { s, events, check };
  }

  it('builds at the first run (isDynamicOp) and hits on the same shapes', async () => {
    const { s, events, check } = await session(['N', 3], { isDynamicOp: true, maximumCachedEngines: 2 });
    expect(s.counters.builds).toBe(0);
    await check(x(4, 3));
    await check(x(4, 3));
    expect(s.counters).toMatchObject({ builds: 1, hits: 1, fallbacks: 0 });
    expect(events.map((e) => e.type)).toEqual(['build', 'hit']);
    expect(events[0]).toMatchObject({ origin: 'dynamic', shapes: [[4, 3]], batchFlexible: true });
    await s.dispose();
  });

  it('reuses an engine built for batch 4 for batch 2 and 1, and builds for batch 5', async () => {
    const { s, events, check } = await session(['N', 3], { isDynamicOp: true, maximumCachedEngines: 2 });
    await check(x(4, 3));
    await check(x(2, 3));
    await check(x(1, 3));
    expect(s.counters).toMatchObject({ builds: 1, hits: 2, batchReuses: 2 });
    expect(events[1]).toMatchObject({ type: 'hit', match: 'batch', shapes: [[2, 3]], engineShapes: [[4, 3]] });
    await check(x(5, 3));
    expect(s.counters.builds).toBe(2);
    await s.dispose();
  });

  it('builds a new engine for a different non-batch shape rather than reusing one', async () => {
    const { s, events, check } = await session(['N', 'C'], { isDynamicOp: true, maximumCachedEngines: 3 });
    await check(x(4, 3));
    await check(x(2, 5));
    await check(x(4, 5));
    expect(s.counters).toMatchObject({ builds: 3, hits: 0 });
    expect(events.filter((e) => e.type === 'build').map((e) => e.shapes)).toEqual([[[4, 3]], [[2, 5]], [[4, 5]]]);
    await s.dispose();
  });

  it('falls back to the reference kernels when the cache is full and nothing fits', async () => {
    const { s, events, check } = await session(['N', 'C'], { isDynamicOp: true, maximumCachedEngines: 1 });
    await check(x(4, 3));
    await check(x(4, 5)); // full, no fit: runs unconverted, and correctly
    await check(x(4, 5));
    await check(x(3, 3)); // still served by the cached engine
    expect(s.counters).toMatchObject({ builds: 1, fallbacks: 2, hits: 1, evictions: 0 });
    expect(events.find((e) => e.type === 'fallback')).toMatchObject({ reason: 'cache-full', shapes: [[4, 5]] });
    expect(s.engineNodes[0]!.cache.entries().map((e) => e.signatures[0])).toEqual([{ kind: 'tensor', dtype: 'float32', shape: [4, 3] }]);
    await s.dispose();
  });

  it("evicts the least recently used engine with whenCacheFull: 'evict'", async () => {
    const { s, events, check } = await session(['N', 'C'], { isDynamicOp: true, maximumCachedEngines: 2, whenCacheFull: 'evict' });
    await check(x(2, 3)); // A
    await check(x(2, 4)); // B
    await check(x(2, 3)); // A again: B is now least recently used
    await check(x(2, 5)); // C evicts B
    await check(x(2, 4)); // B again evicts A
    const evicted = events.flatMap((e) => (e.type === 'evict' ? [e.engineShapes] : []));
    expect(evicted).toEqual([[[2, 4]], [[2, 3]]]);
    const cached = s.engineNodes[0]!.cache.entries().map((e) => (e.signatures[0] as { shape: number[] }).shape);
    expect(cached).toEqual([
      [2, 5],
      [2, 4],
    ]);
    expect(s.counters).toMatchObject({ builds: 4, hits: 1, evictions: 2, fallbacks: 0 });
    await s.dispose();
  });

  it('builds ahead of time when shapes are known, and serves smaller batches from that engine', async () => {
    const { s, events, check } = await session([4, 3], {});
    expect(events).toMatchObject([{ type: 'build', origin: 'static', shapes: [[4, 3]] }]);
    await check(x(4, 3));
    await check(x(2, 3));
    expect(s.counters).toMatchObject({ builds: 1, hits: 2, batchReuses: 1 });
    await s.dispose();
  });

  it('fills an unknown batch with maxBatchSize for the static build', async () => {
    const { s, events, check } = await session(['N', 3], { maxBatchSize: 8 });
    expect(events).toMatchObject([{ type: 'build', origin: 'static', shapes: [[8, 3]] }]);
    await check(x(5, 3));
    expect(s.counters).toMatchObject({ builds: 1, batchReuses: 1 });
    await s.dispose();
  });

  it('uses one profile engine for every shape within min/max and refuses others', async () => {
    const profile = { x: { min: [1, 3], opt: [4, 3], max: [8, 3] } };
    const { s, events, check } = await session(['N', 3], { optimizationProfile: profile, maximumCachedEngines: 1 });
    expect(events).toMatchObject([{ type: 'build', origin: 'profile' }]);
    // The engine's plan was built for the profile: it records the range and sizes its memory for max.
    const { plan } = s.engineNodes[0]!.engines()[0]!.engine;
    expect(plan.manifest.buildSettings.profile).toEqual(profile);
    expect(plan.memoryPlan).toBeDefined();
    await check(x(1, 3));
    await check(x(8, 3));
    await check(x(6, 3));
    expect(s.counters).toMatchObject({ builds: 1, hits: 3, fallbacks: 0 });
    await expect(s.run({ x: x(9, 3) })).rejects.toMatchObject({
      code: 'FEED_SHAPE_MISMATCH',
      message: expect.stringMatching(/outside its optimization profile \[1\.\.8x3\]/),
    });
    await expect(s.run({ x: x(2, 4) })).rejects.toMatchObject({ code: 'FEED_SHAPE_MISMATCH' });
    await s.dispose();
  });

  it('refuses an inconsistent profile', async () => {
    const bad = { x: { min: [4, 3], opt: [2, 3], max: [8, 3] } };
    await expect(session(['N', 3], { optimizationProfile: bad })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
