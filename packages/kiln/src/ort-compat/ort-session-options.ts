/**
 * The onnxruntime session options Kiln honours, turned into Kiln's own settings in one place:
 * executionProviders choose the backend (and CUDA device), graphOptimizationLevel the builder
 * rules, intraOpNumThreads is checked against the CPU thread pool. Where a Kiln option says
 * the same thing (backend, build.rules) only one of the two may be given.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { BuildOptions } from '@kiln-inference/engine';
import { type BackendProbe, chooseBackend, type ExecutionProviderConfig } from './execution-providers.js';
import { type GraphOptimizationLevel, rulesForLevel } from './graph-optimization-level.js';
import { checkIntraOpNumThreads, cpuThreadCount } from './intra-op-threads.js';

/** The onnxruntime-node session options `InferenceSession.create` honours (docs/from-onnxruntime.md). */
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

/**
 * onnxruntime session options Kiln has no counterpart for. They are refused by name: dropping
 * them would let code believe, say, a memory arena or a profile file is in effect.
 */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  interOpNumThreads: "Kiln runs a model's layers one after another; only intra-op threads exist (KILN_CPU_THREADS)",
  executionMode: 'layers run sequentially; there is no parallel mode',
  freeDimensionOverrides: 'set symbolic dims with inputShapes: { input: [1, 3, 224, 224] }',
  enableCpuMemArena: 'memory is planned per plan (build.memory), not by an arena',
  enableMemPattern: 'memory is planned per plan (build.memory)',
  optimizedModelFilePath: 'save the built plan instead: serializePlan(await build(model)) or `kiln build`',
  enableProfiling: 'sessions have no profiler; `kiln inspect MODEL.plan` shows each layer and its chosen tactic',
  profileFilePrefix: 'sessions have no profiler; `kiln inspect MODEL.plan` shows each layer and its chosen tactic',
  logId: 'Kiln reports through KilnError and build loggers (build.logger)',
  logSeverityLevel: 'Kiln reports through KilnError and build loggers (build.logger)',
  logVerbosityLevel: 'Kiln reports through KilnError and build loggers (build.logger)',
  externalData: 'load models with external data from their path, so the data files are found beside them',
  preferredOutputLocation: "outputs are always in JavaScript memory ('cpu')",
  extra: 'Kiln has no free-form session configuration',
};

export function readOrtSessionOptions(
  options: OrtSessionOptions & { backend?: unknown; kernels?: 'native' | 'reference'; build?: { rules?: unknown } },
  probe?: BackendProbe,
): OrtSettings {
  const unsupported = Object.keys(options).filter((k) => Object.hasOwn(UNSUPPORTED, k));
  if (unsupported.length > 0) {
    throw new KilnError(
      ErrorCode.INVALID_ARGUMENT,
      `session options ${unsupported.join(', ')} are onnxruntime's and have no effect in Kiln`,
      {
        hint: unsupported.map((k) => `${k}: ${UNSUPPORTED[k]}`).join('; '),
      },
    );
  }
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
