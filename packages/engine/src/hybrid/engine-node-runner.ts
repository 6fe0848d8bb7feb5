/**
 * Runs one engine node of a hybrid graph, TF-TRT style. With an optimization profile covering
 * its inputs it uses the profile's single engine. Otherwise it looks the input shapes up in its
 * LRU cache (exact match, else batch reuse), builds an engine when none fits and there is room,
 * and when the cache is full either runs the segment's sub-graph on the CPU reference kernels
 * (`whenCacheFull: 'fallback'`, TF-TRT's behaviour) or evicts the least recently used engine.
 */
import { type Graph, isKilnError } from '@kiln-inference/core';
import { pluginKernelMap, type RuntimeValue } from '@kiln-inference/cpu-runtime';
import type { EngineSegment } from '@kiln-inference/partitioner';
import { EngineCache } from './engine-cache.js';
import type { HybridEvent, SegmentFallbackReason } from './hybrid-events.js';
import { checkWithinProfile, type OptimizationProfile } from './optimization-profile.js';
import { ReferenceGraphRunner } from './reference-graph-runner.js';
import {
  buildProfileEngine,
  buildSegmentEngine,
  type EngineOrigin,
  runSegmentEngine,
  type SegmentBuildSettings,
  type SegmentEngine,
} from './segment-engine.js';
import { type InputSignature, signatureKey, signatureOf, signatureShapes } from './value-signature.js';

export type CacheFullPolicy = 'fallback' | 'evict';

export interface EngineNodeOptions {
  isDynamicOp: boolean;
  maximumCachedEngines: number;
  whenCacheFull: CacheFullPolicy;
  /** Fills an unknown batch dimension for the static build. */
  maxBatchSize?: number;
  profile?: OptimizationProfile;
}

/** Input signatures a segment graph declares, when every one is fully known (batch filled from maxBatchSize). */
export function declaredSignatures(graph: Graph, maxBatchSize?: number): InputSignature[] | null {
  const byName = new Map(graph.inputs.map((i) => [i.name, i]));
  const out: InputSignature[] = [];
  for (const name of graph.feedInputs.map((i) => i.name)) {
    const type = byName.get(name)?.type;
    if (type?.kind !== 'tensor' || !type.shape) return null;
    const shape: number[] = [];
    for (const [k, d] of type.shape.entries()) {
      if (typeof d === 'number' && d >= 0) shape.push(d);
      else if (k === 0 && maxBatchSize !== undefined) shape.push(maxBatchSize);
      else return null;
    }
    out.push({ kind: 'tensor', dtype: type.dtype, shape });
  }
  return out;
}

export class EngineNodeRunner {
  readonly cache: EngineCache<SegmentEngine>;
  readonly feeds: readonly string[];
  private readonly reference: ReferenceGraphRunner;
  private profileEngine: SegmentEngine | undefined;
  /** Signatures whose build failed: they go to the reference kernels without retrying. */
  private readonly failedBuilds = new Map<string, string>();

  /**
   * `graph` is the segment's sub-graph, with the constants the session folded as weights.
   */
  constructor(
    readonly segment: EngineSegment,
    readonly graph: Graph,
    private readonly settings: SegmentBuildSettings,
    private readonly options: EngineNodeOptions,
    private readonly emit: (event: HybridEvent) => void,
  ) {
    this.cache = new EngineCache(options.maximumCachedEngines);
    const plugins = pluginKernelMap(settings.engineOptions?.pluginModules, settings.engineOptions?.plugins);
    this.reference = new ReferenceGraphRunner(graph, settings.registry, plugins);
    this.feeds = this.reference.feeds;
  }

  get name(): string {
    return this.segment.name;
  }

  /** The profile applies when it gives a range for every input the segment reads. */
  get usesProfile(): boolean {
    const p = this.options.profile;
    return p !== undefined && this.feeds.length > 0 && this.feeds.every((n) => p[n] !== undefined);
  }

  /** The engines built ahead of the first run: the profile's, or the static one when shapes are known. */
  async prepare(): Promise<void> {
    if (this.usesProfile) {
      const declared = this.declaredDTypes();
      if (declared) await this.buildProfile(declared);
      return;
    }
    if (this.options.isDynamicOp) return;
    const signatures = declaredSignatures(this.graph, this.options.maxBatchSize);
    // A saved engine for these shapes (loadInferenceGraph) makes the static build unnecessary.
    if (signatures && this.cache.peek(signatures)?.match !== 'exact') await this.build(signatures, 'static');
  }

  /** Adds an engine read from a saved plan (counted as a build of origin 'loaded'). */
  adopt(entry: SegmentEngine): Promise<void> {
    return this.insert(entry);
  }

  async run(values: Map<string, RuntimeValue>): Promise<void> {
    const signatures = this.feeds.map((n) => signatureOf(values.get(n)!));
    const shapes = signatureShapes(signatures);
    if (this.usesProfile) {
      checkWithinProfile(this.name, this.feeds, this.options.profile!, signatures);
      const entry = this.profileEngine ?? (await this.buildProfile(signatures));
      this.emit({ type: 'hit', segment: this.name, shapes, engineShapes: signatureShapes(entry.signatures), match: 'profile' });
      return runSegmentEngine(entry, values);
    }
    const found = this.cache.lookup(signatures);
    if (found) {
      this.emit({ type: 'hit', segment: this.name, shapes, engineShapes: signatureShapes(found.entry.signatures), match: found.match });
      return runSegmentEngine(found.entry, values);
    }
    const failed = this.failedBuilds.get(signatureKey(signatures));
    if (failed !== undefined) return this.fallback(values, shapes, 'build-failed', failed);
    if (this.cache.isFull && this.options.whenCacheFull === 'fallback') {
      const message = `all ${this.cache.capacity} cached engines were built for other shapes`;
      return this.fallback(values, shapes, 'cache-full', message);
    }
    let entry: SegmentEngine;
    try {
      entry = await this.build(signatures, 'dynamic');
    } catch (e) {
      // As TF-TRT: a segment whose engine cannot be built still runs, unconverted.
      if (!isKilnError(e)) throw e;
      this.failedBuilds.set(signatureKey(signatures), e.message);
      return this.fallback(values, shapes, 'build-failed', e.message);
    }
    return runSegmentEngine(entry, values);
  }

  /** Every engine this node holds (profile engine first). */
  engines(): SegmentEngine[] {
    return [...(this.profileEngine ? [this.profileEngine] : []), ...this.cache.entries()];
  }

  async dispose(): Promise<void> {
    const all = [...(this.profileEngine ? [this.profileEngine] : []), ...this.cache.clear()];
    this.profileEngine = undefined;
    await Promise.all(all.map((e) => e.context.dispose()));
  }

  private declaredDTypes(): InputSignature[] | null {
    const byName = new Map(this.graph.inputs.map((i) => [i.name, i.type]));
    const out: InputSignature[] = [];
    for (const name of this.feeds) {
      const type = byName.get(name);
      if (type?.kind !== 'tensor') return null;
      out.push({ kind: 'tensor', dtype: type.dtype, shape: [...this.options.profile![name]!.opt] });
    }
    return out;
  }

  private async buildProfile(signatures: readonly InputSignature[]): Promise<SegmentEngine> {
    const entry = await buildProfileEngine(this.graph, this.feeds, signatures, this.options.profile!, this.settings);
    this.profileEngine = entry;
    this.emit({
      type: 'build',
      segment: this.name,
      shapes: signatureShapes(signatures),
      origin: 'profile',
      batchFlexible: entry.batchFlexible,
    });
    return entry;
  }

  private async build(signatures: readonly InputSignature[], origin: EngineOrigin): Promise<SegmentEngine> {
    const entry = await buildSegmentEngine(this.graph, this.feeds, signatures, origin, this.settings);
    await this.insert(entry);
    return entry;
  }

  private async insert(entry: SegmentEngine): Promise<void> {
    for (const old of this.cache.insert(entry)) {
      this.emit({ type: 'evict', segment: this.name, engineShapes: signatureShapes(old.signatures) });
      await old.context.dispose();
    }
    this.emit({
      type: 'build',
      segment: this.name,
      shapes: signatureShapes(entry.signatures),
      origin: entry.origin,
      batchFlexible: entry.batchFlexible,
    });
  }

  private fallback(values: Map<string, RuntimeValue>, shapes: (number[] | null)[], reason: SegmentFallbackReason, message: string): void {
    this.emit({ type: 'fallback', segment: this.name, shapes, reason, message });
    this.reference.run(values);
  }
}
