/**
 * The onnxruntime session options Kiln honours, turned into Kiln's own settings in one place:
 * executionProviders choose the backend (and CUDA device), graphOptimizationLevel the builder
 * rules, intraOpNumThreads is checked against the CPU thread pool. Where a Kiln option says
 * the same thing (backend, build.rules) only one of the two may be given.
 */
import { ErrorCode, KilnError } from '@kiln/core';
import type { BuildOptions } from '@kiln/engine';
import { type BackendProbe, chooseBackend, type ExecutionProviderConfig } from './execution-providers.js';
import { type GraphOptimizationLevel, rulesForLevel } from './graph-optimization-level.js';
import { checkIntraOpNumThreads, cpuThreadCount } from './intra-op-threads.js';

export interface OrtSessionOptions {
  /** Providers in order of preference ('cpu', 'cuda' or { name: 'cuda', deviceId }); the first that runs here is used. */
  executionProviders?: readonly ExecutionProviderConfig[];
  /** 0 or the CPU thread pool's size (see intra-op-threads.ts); other counts are refused. */
  intraOpNumThreads?: number;
  /** Which builder rules run (see graph-optimization-level.ts); default 'all'. */
  graphOptimizationLevel?: GraphOptimizationLevel;
}

/** The Kiln settings the onnxruntime options stand for. */
export interface OrtSettings {
  backend?: 'cpu' | 'cuda';
  device?: number;
  rules?: BuildOptions['rules'];
}

export function readOrtSessionOptions(
  options: OrtSessionOptions & { backend?: unknown; kernels?: 'native' | 'reference'; build?: { rules?: unknown } },
  probe?: BackendProbe,
): OrtSettings {
  const settings: OrtSettings = {};
  if (options.executionProviders !== undefined) {
    if (options.backend !== undefined) conflict('executionProviders', 'backend');
    Object.assign(settings, chooseBackend(options.executionProviders, probe));
  }
  if (options.graphOptimizationLevel !== undefined) {
    if (options.build?.rules !== undefined) conflict('graphOptimizationLevel', 'build.rules');
    settings.rules = rulesForLevel(options.graphOptimizationLevel);
  }
  if (options.intraOpNumThreads !== undefined) checkIntraOpNumThreads(options.intraOpNumThreads, cpuThreadCount(options.kernels));
  return settings;
}

function conflict(ort: string, kiln: string): never {
  throw new KilnError(ErrorCode.INVALID_ARGUMENT, `both ${ort} (onnxruntime's) and ${kiln} (Kiln's) were given; they set the same thing`, {
    hint: `keep one of ${ort} and ${kiln}`,
  });
}
