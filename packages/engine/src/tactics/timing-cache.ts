/**
 * The persistent timing cache: tactic timings keyed by layer signature (op, shapes, params),
 * device and kiln version, so rebuilding a model — or another model with the same layers —
 * skips the timing and makes the same choices (a warm-cache build is deterministic).
 * Stored as JSON with sorted keys, so the file itself is stable too.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ErrorCode, KILN_VERSION, KilnError } from '@kiln-inference/core';

const CACHE_FORMAT = 'kiln-timing-cache';
const CACHE_VERSION = 1;

interface CacheFile {
  format: typeof CACHE_FORMAT;
  version: number;
  entries: Record<string, Record<string, number>>;
}

export class TimingCache {
  private readonly entries = new Map<string, Record<string, number>>();
  /** Lookups answered from the cache / missed, since creation. */
  hits = 0;
  misses = 0;

  static key(signature: string, device: string): string {
    return `${KILN_VERSION}|${device}|${signature}`;
  }

  get(signature: string, device: string): Record<string, number> | undefined {
    const found = this.entries.get(TimingCache.key(signature, device));
    if (found) this.hits++;
    else this.misses++;
    return found;
  }

  set(signature: string, device: string, timings: Record<string, number>): void {
    this.entries.set(TimingCache.key(signature, device), { ...timings });
  }

  get size(): number {
    return this.entries.size;
  }

  serialize(): string {
    const entries: Record<string, Record<string, number>> = {};
    for (const key of [...this.entries.keys()].sort()) {
      const timings = this.entries.get(key)!;
      entries[key] = Object.fromEntries(
        Object.keys(timings)
          .sort()
          .map((t) => [t, timings[t]!]),
      );
    }
    const file: CacheFile = { format: CACHE_FORMAT, version: CACHE_VERSION, entries };
    return `${JSON.stringify(file, null, 1)}\n`;
  }

  static parse(text: string, source = 'timing cache'): TimingCache {
    let file: Partial<CacheFile>;
    try {
      file = JSON.parse(text) as Partial<CacheFile>;
    } catch (e) {
      throw new KilnError(ErrorCode.INVALID_MODEL, `${source} is not valid JSON: ${(e as Error).message}`, {
        hint: 'delete the file; the next build times the tactics again and rewrites it',
      });
    }
    if (file.format !== CACHE_FORMAT || file.version !== CACHE_VERSION || typeof file.entries !== 'object' || !file.entries) {
      throw new KilnError(ErrorCode.INVALID_MODEL, `${source} is not a kiln timing cache (version ${CACHE_VERSION})`, {
        hint: 'delete the file or point --timing-cache at a new path',
      });
    }
    const cache = new TimingCache();
    for (const [key, timings] of Object.entries(file.entries)) {
      if (typeof timings !== 'object' || !timings || Object.values(timings).some((v) => typeof v !== 'number' || !(v >= 0))) {
        throw new KilnError(ErrorCode.INVALID_MODEL, `${source}: entry '${key}' is malformed`, { hint: 'delete the file' });
      }
      cache.entries.set(key, timings);
    }
    return cache;
  }

  /** Reads a cache file; a missing file is an empty cache. */
  static load(path: string): TimingCache {
    if (!existsSync(path)) return new TimingCache();
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new KilnError(ErrorCode.IO_ERROR, `cannot read the timing cache '${path}': ${(e as Error).message}`);
    }
    return TimingCache.parse(text, `timing cache '${path}'`);
  }

  save(path: string): void {
    try {
      writeFileSync(path, this.serialize());
    } catch (e) {
      throw new KilnError(ErrorCode.IO_ERROR, `cannot write the timing cache '${path}': ${(e as Error).message}`);
    }
  }
}
