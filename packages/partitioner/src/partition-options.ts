/** What the user can tune about partitioning, checked and filled with defaults. */
import { ErrorCode, KilnError } from '@kiln-inference/core';

export interface PartitionOptions {
  /** Segments with fewer nodes stay on the fallback backend (default 3, as TF-TRT). */
  minimumSegmentSize?: number;
  /** Keep at most this many segments, the largest ones (default: no limit). */
  maximumSegments?: number;
  /** Node names that must stay on the fallback backend. */
  excludeNodes?: Iterable<string>;
  /** Op types that must stay on the fallback backend. */
  excludeOps?: Iterable<string>;
}

export interface ResolvedPartitionOptions {
  minimumSegmentSize: number;
  /** null = no limit */
  maximumSegments: number | null;
  excludeNodes: string[];
  excludeOps: string[];
}

export const DEFAULT_MINIMUM_SEGMENT_SIZE = 3;

function positiveInteger(value: number, name: string, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${name} must be an integer ≥ ${min}, got ${value}`, {
      hint: `pass a whole number such as ${Math.max(min, DEFAULT_MINIMUM_SEGMENT_SIZE)}`,
    });
  }
  return value;
}

export function resolvePartitionOptions(options: PartitionOptions = {}): ResolvedPartitionOptions {
  const max = options.maximumSegments;
  return {
    minimumSegmentSize: positiveInteger(options.minimumSegmentSize ?? DEFAULT_MINIMUM_SEGMENT_SIZE, 'minimumSegmentSize', 1),
    maximumSegments: max === undefined || max === Number.POSITIVE_INFINITY ? null : positiveInteger(max, 'maximumSegments', 0),
    excludeNodes: [...new Set(options.excludeNodes ?? [])].sort(),
    excludeOps: [...new Set(options.excludeOps ?? [])].sort(),
  };
}
