/**
 * The per-engine-node LRU engine cache, keyed by input signatures (TF-TRT's
 * `maximum_cached_engines`). A lookup prefers an exact match; otherwise the batch-flexible
 * engine with the smallest batch that still serves the request. Every hit makes its entry the
 * most recently used; inserting into a full cache evicts the least recently used entry.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { commonBatch, type InputSignature, sameSignatures, servesSmallerBatch, signatureKey } from './value-signature.js';

export interface CacheEntry {
  /** The input signatures the engine was built for. */
  readonly signatures: readonly InputSignature[];
  /** Whether it accepts a smaller batch than it was built for (built with a symbolic batch). */
  readonly batchFlexible: boolean;
}

export type CacheLookup<T extends CacheEntry> = { entry: T; match: 'exact' | 'batch' } | undefined;

export class EngineCache<T extends CacheEntry> {
  /** Least recently used first. */
  private order: T[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `maximumCachedEngines must be an integer ≥ 1, got ${capacity}`, {
        hint: 'pass maximumCachedEngines: 1 or more (TF-TRT defaults to 1)',
      });
    }
  }

  get size(): number {
    return this.order.length;
  }

  get isFull(): boolean {
    return this.order.length >= this.capacity;
  }

  /** Entries from least to most recently used. */
  entries(): readonly T[] {
    return this.order;
  }

  /** Finds an engine for `signatures` and marks it most recently used. */
  lookup(signatures: readonly InputSignature[]): CacheLookup<T> {
    const found = this.peek(signatures);
    if (found) this.touch(found.entry);
    return found;
  }

  /** Like lookup, without changing the recency order. */
  peek(signatures: readonly InputSignature[]): CacheLookup<T> {
    const exact = this.order.find((e) => sameSignatures(e.signatures, signatures));
    if (exact) return { entry: exact, match: 'exact' };
    let best: T | undefined;
    for (const e of this.order) {
      if (!e.batchFlexible || !servesSmallerBatch(e.signatures, signatures)) continue;
      if (!best || commonBatch(e.signatures)! < commonBatch(best.signatures)!) best = e;
    }
    return best ? { entry: best, match: 'batch' } : undefined;
  }

  /** Adds `entry` as the most recently used; returns the entries evicted to make room. */
  insert(entry: T): T[] {
    const key = signatureKey(entry.signatures);
    if (this.order.some((e) => signatureKey(e.signatures) === key)) {
      throw new KilnError(ErrorCode.INTERNAL, `an engine for ${key} is already cached`, {
        hint: 'look the signature up before building; please report this',
      });
    }
    const evicted: T[] = [];
    while (this.order.length >= this.capacity) evicted.push(this.order.shift()!);
    this.order.push(entry);
    return evicted;
  }

  /** Removes and returns every entry (least recently used first). */
  clear(): T[] {
    const all = this.order;
    this.order = [];
    return all;
  }

  private touch(entry: T): void {
    this.order = [...this.order.filter((e) => e !== entry), entry];
  }
}
