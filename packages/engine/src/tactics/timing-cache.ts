/**
 * The persistent timing cache: every timed candidate of an op (milliseconds and workspace bytes)
 * keyed by op signature (op, shapes, params), device and kiln version, so rebuilding a model —
 * or another model with the same layers — skips the timing and makes the same choices (a
 * warm-cache build is deterministic). Stored as JSON with sorted keys, so the file itself is
 * stable too. A version-1 file (timings without workspace sizes) reads as empty: its ops are
 * timed again and the file is rewritten.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ErrorCode, KILN_VERSION, KilnError } from '@kiln-inference/core';

const CACHE_FORMAT = 'kiln-timing-cache';
const CACHE_VERSION = 2;
/** Files of this version lack workspace sizes; they are read as empty. */
const TIMINGS_ONLY_VERSION = 1;

/** One candidate tactic of an op as timed on the device. */
export interface TacticMeasure {
  /** Milliseconds per run. */
  ms: number;
  /** Scratch bytes the tactic needs. */
  workspaceBytes: number;
}

/** tactic name → its measure. */
export type TacticMeasures = Record<string, TacticMeasure>;

interface CacheFile {
  format: typeof CACHE_FORMAT;
  version: number;
  entries: Record<string, TacticMeasures>;
}

function isMeasure(m: unknown): m is TacticMeasure {
  const { ms, workspaceBytes } = (m ?? {}) as Partial<TacticMeasure>;
  return typeof ms === 'number' && ms >= 0 && Number.isSafeInteger(workspaceBytes) && workspaceBytes! >= 0;
}

/** A copy holding only the two numbers (a file may carry more keys). */
function copyMeasures(measures: TacticMeasures): TacticMeasures {
  return Object.fromEntries(Object.entries(measures).map(([t, m]) => [t, { ms: m.ms, workspaceBytes: m.workspaceBytes }]));
}

export class TimingCache {
  private readonly entries = new Map<string, TacticMeasures>();
  /** Lookups answered from the cache / missed, since creation. */
  hits = 0;
  misses = 0;

  static key(signature: string, device: string): string {
    return `${KILN_VERSION}|${device}|${signature}`;
  }

  get(signature: string, device: string): TacticMeasures | undefined {
    const found = this.entries.get(TimingCache.key(signature, device));
    if (found) this.hits++;
    else this.misses++;
    return found;
  }

  set(signature: string, device: string, measures: TacticMeasures): void {
    this.entries.set(TimingCache.key(signature, device), copyMeasures(measures));
  }

  get size(): number {
    return this.entries.size;
  }

  serialize(): string {
    const entries: Record<string, TacticMeasures> = {};
    for (const key of [...this.entries.keys()].sort()) {
      const measures = this.entries.get(key)!;
      entries[key] = Object.fromEntries(
        Object.keys(measures)
          .sort()
          .map((t) => [t, measures[t]!]),
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
    if (file.format === CACHE_FORMAT && file.version === TIMINGS_ONLY_VERSION) return new TimingCache();
    if (file.format !== CACHE_FORMAT || file.version !== CACHE_VERSION || typeof file.entries !== 'object' || !file.entries) {
      throw new KilnError(ErrorCode.INVALID_MODEL, `${source} is not a kiln timing cache (version ${CACHE_VERSION})`, {
        hint: 'delete the file or point --timing-cache at a new path',
      });
    }
    const cache = new TimingCache();
    for (const [key, measures] of Object.entries(file.entries)) {
      if (typeof measures !== 'object' || !measures || !Object.values(measures).every(isMeasure)) {
        throw new KilnError(ErrorCode.INVALID_MODEL, `${source}: entry '${key}' is malformed`, { hint: 'delete the file' });
      }
      cache.entries.set(key, copyMeasures(measures));
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
