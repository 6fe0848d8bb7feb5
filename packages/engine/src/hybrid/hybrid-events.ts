/**
 * What the hybrid executor reports about its engines, as events (for logs and tests) and as
 * counters (for a quick look): builds, cache hits (exact or by batch reuse), evictions, and
 * segments that ran on the CPU reference kernels instead of an engine.
 */
import type { EngineOrigin } from './segment-engine.js';

type Shapes = (number[] | null)[];

/** Why an engine node ran its sub-graph on the reference kernels. */
export type SegmentFallbackReason = 'cache-full' | 'build-failed';

export type HybridEvent =
  | { type: 'build'; segment: string; shapes: Shapes; origin: EngineOrigin; batchFlexible: boolean }
  | { type: 'hit'; segment: string; shapes: Shapes; engineShapes: Shapes; match: 'exact' | 'batch' | 'profile' }
  | { type: 'evict'; segment: string; engineShapes: Shapes }
  | { type: 'fallback'; segment: string; shapes: Shapes; reason: SegmentFallbackReason; message: string };

export type HybridEventListener = (event: HybridEvent) => void;

export interface HybridCounters {
  builds: number;
  /** Runs served by an existing engine (exact, batch reuse or profile). */
  hits: number;
  /** The hits served by an engine built for a larger batch. */
  batchReuses: number;
  evictions: number;
  /** Engine-node runs that went to the reference kernels. */
  fallbacks: number;
}

export function emptyCounters(): HybridCounters {
  return { builds: 0, hits: 0, batchReuses: 0, evictions: 0, fallbacks: 0 };
}

export function countEvent(counters: HybridCounters, event: HybridEvent): void {
  switch (event.type) {
    case 'build':
      counters.builds++;
      break;
    case 'hit':
      counters.hits++;
      if (event.match === 'batch') counters.batchReuses++;
      break;
    case 'evict':
      counters.evictions++;
      break;
    case 'fallback':
      counters.fallbacks++;
      break;
  }
}
