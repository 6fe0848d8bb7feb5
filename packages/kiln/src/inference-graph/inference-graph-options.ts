/**
 * createInferenceGraph's options: TF-TRT's conversion parameters in TypeScript idiom, checked
 * up front so a wrong precision or target fails before any work with a message saying what
 * the target can do.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { EngineOptions, OptimizationProfile } from '@kiln-inference/engine';
import type { PluginsOption } from '@kiln-inference/plugin-sdk';
import type { ModelSourceOptions } from './model-source.js';

/** TF-TRT's precision modes; a target refuses the ones it cannot compute. */
export type PrecisionMode = 'FP32' | 'FP16' | 'INT8';
/** The backends inference graphs run on (only the CPU today). */
export type InferenceTarget = 'cpu';

/** createInferenceGraph's options: one model source, and TF-TRT's conversion parameters. */
export interface InferenceGraphOptions extends ModelSourceOptions {
  /** Fills an unknown batch dimension for engines built ahead of time (TF-TRT max_batch_size). */
  maxBatchSize?: number;
  /** Upper bound on any layer's scratch memory in an engine (bytes). */
  maxWorkspaceSizeBytes?: number;
  /** Default FP32; the cpu target computes FP32 only. */
  precisionMode?: PrecisionMode;
  /** Segments with fewer nodes stay unconverted (default 3). */
  minimumSegmentSize?: number;
  /** Build engines at first run for the actual shapes (default false: build ahead when shapes are known). */
  isDynamicOp?: boolean;
  /** Engines kept per engine node (default 1). */
  maximumCachedEngines?: number;
  /**
   * min/opt/max shapes by value name (a model input, or any value a segment reads), TF-TRT's
   * dynamic-shape profile: an engine node whose inputs it all covers builds one engine for the
   * range (tactics timed at opt) and refuses shapes outside it; other nodes use their cache.
   */
  optimizationProfile?: OptimizationProfile;
  /** Default 'cpu'. */
  target?: InferenceTarget;
  /** Op types that must stay unconverted. */
  excludeOps?: string[];
  /** Passed to every engine (e.g. `{ kernels: 'reference' }`). Not saved. */
  engineOptions?: EngineOptions;
  /** Plugin packages, paths or objects (see SessionOptions.plugins): their nodes convert and run on the CPU. Not saved. */
  plugins?: PluginsOption;
}

/** The options that shape the partition and the engines, as save() records them. */
export interface ResolvedInferenceOptions {
  target: InferenceTarget;
  precisionMode: PrecisionMode;
  minimumSegmentSize: number;
  isDynamicOp: boolean;
  maximumCachedEngines: number;
  optimizationProfile?: OptimizationProfile;
  maxBatchSize?: number;
  maxWorkspaceSizeBytes?: number;
  excludeOps: string[];
}

const TARGET_PRECISIONS: Record<InferenceTarget, readonly PrecisionMode[]> = { cpu: ['FP32'] };

function positive(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${name} must be a positive integer, got ${value}`, {
      hint: `omit ${name} or pass 1 or more`,
    });
  }
}

export function resolveInferenceOptions(options: InferenceGraphOptions): ResolvedInferenceOptions {
  const target = options.target ?? 'cpu';
  if (!(target in TARGET_PRECISIONS)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `target '${String(target)}' cannot run inference graphs in this build`, {
      hint: "use target: 'cpu' (`kiln partition --target cuda` shows what the CUDA backend would run)",
    });
  }
  const precisionMode = options.precisionMode ?? 'FP32';
  const supported = TARGET_PRECISIONS[target];
  if (!supported.includes(precisionMode)) {
    throw new KilnError(
      ErrorCode.INVALID_ARGUMENT,
      `the ${target} target does not support precisionMode '${precisionMode}'; it supports ${supported.join(', ')}`,
      {
        hint: `pass precisionMode: '${supported[0]}' on the ${target} target`,
      },
    );
  }
  positive(options.maxBatchSize, 'maxBatchSize');
  positive(options.maxWorkspaceSizeBytes, 'maxWorkspaceSizeBytes');
  positive(options.maximumCachedEngines, 'maximumCachedEngines');
  positive(options.minimumSegmentSize, 'minimumSegmentSize');
  return {
    target,
    precisionMode,
    minimumSegmentSize: options.minimumSegmentSize ?? 3,
    isDynamicOp: options.isDynamicOp ?? false,
    maximumCachedEngines: options.maximumCachedEngines ?? 1,
    ...(options.optimizationProfile ? { optimizationProfile: options.optimizationProfile } : {}),
    ...(options.maxBatchSize !== undefined ? { maxBatchSize: options.maxBatchSize } : {}),
    ...(options.maxWorkspaceSizeBytes !== undefined ? { maxWorkspaceSizeBytes: options.maxWorkspaceSizeBytes } : {}),
    excludeOps: [...(options.excludeOps ?? [])],
  };
}
