/**
 * Network → Plan: find the backend in the registry, validate the network (and its sub-networks)
 * and the optimization profile, copy it, run the builder rules, choose tactics by timing them on
 * the backend at the profile's `opt` shapes, plan the memory (at the profile's `max` shapes),
 * record the settings and the profile.
 */
import {
  checkLayerInputs,
  type DType,
  ErrorCode,
  emitProgress,
  isFloatDType,
  KILN_VERSION,
  KilnError,
  LAYER_KINDS,
  type Logger,
  Network,
  type ProgressListener,
  throwIfAborted,
} from '@kiln-inference/core';
import { type BackendRegistry, defaultBackends } from '../backends/backend-registry.js';
import { checkProfileInputs, maxShapes, type OptimizationProfile, optShapes } from '../hybrid/optimization-profile.js';
import { buildMemoryPlan } from '../memory/build-memory-plan.js';
import type { PlanMemoryOptions } from '../memory/memory-plan.js';
import { type BackendName, PLAN_FORMAT_VERSION, type PlanPrecision, type PluginRef } from '../plan/manifest.js';
import type { Plan } from '../plan/plan.js';
import { forEachNetwork } from '../plan/walk-network.js';
import { selectTactics, untunedInputs } from '../tactics/select-tactics.js';
import type { TimingCache } from '../tactics/timing-cache.js';
import type { BuilderRule } from './builder-rule.js';
import { defaultBuilderRules } from './default-rules.js';
import { runBuilderRules } from './run-rules.js';

export interface BuildOptions {
  backend?: BackendName;
  /** Where `backend` is looked up (default: defaultBackends, which the umbrella package fills). */
  backends?: BackendRegistry;
  /** cpu: fp32. cuda: fp32, tf32 or fp16. */
  precision?: PlanPrecision;
  /** CUDA: the device to build for (default 0). */
  device?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Replaces the default rule list (tests, experiments). */
  rules?: readonly BuilderRule[];
  /**
   * Memory planner settings. Absent: plan when every shape is static, else build without a
   * memory plan. Given: the plan is required (errors are thrown). false: no memory plan.
   */
  memory?: PlanMemoryOptions | false;
  /**
   * Time each convolution/GEMM's candidate implementations on this machine and keep the fastest
   * (`kiln build` does by default). Default false: the executor's own per-shape choice, which
   * keeps library builds quick. Layers of dynamic-shape parts always keep the executor's default.
   */
  tune?: boolean;
  /** Tactic timings to reuse and extend (see TimingCache.load/save): warm-cache builds are deterministic. */
  timingCache?: TimingCache;
  /** Upper bound in bytes on any layer's scratch memory; tactics needing more are not considered. */
  maxWorkspaceSize?: number;
  /**
   * min/opt/max shape per network input (TensorRT's optimization profile). Tactics are timed at
   * the `opt` shapes; the plan records the profile and its runs refuse shapes outside it
   * (FEED_SHAPE_MISMATCH). An input left out keeps its declared shape: when that has symbolic
   * dims, the layers it feeds are not timed (the executor chooses per shape) and a warning says so.
   */
  profile?: OptimizationProfile;
  /** Receives the build's warnings ('warn'), e.g. layers left untimed for lack of shapes. */
  logger?: Logger;
}

export async function buildPlan(network: Network, options: BuildOptions = {}): Promise<Plan> {
  const precision = options.precision ?? 'fp32';
  const backend = (options.backends ?? defaultBackends).create(options.backend ?? 'cpu', {
    precision,
    ...(options.device !== undefined ? { device: options.device } : {}),
  });
  if (!backend.precisions.includes(precision)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `precision '${String(precision)}' is not available on the ${backend.name} backend`, {
      hint: `use precision: ${backend.precisions.map((p) => `'${p}'`).join(' | ')}`,
    });
  }
  // A plan is built for a device, as TensorRT's are: its name and capability go in the manifest.
  const device = backend.device();
  throwIfAborted(options.signal, 'the build');
  // No `total` here: validation is one step, and a total without `done` drew as 'undefined/N'.
  emitProgress(options.onProgress, { phase: 'validate', message: `${network.layers.length} layers` });
  validateNetwork(network);
  if (options.profile) checkProfileInputs(options.profile, network.inputs);
  const profile = options.profile && Object.keys(options.profile).length > 0 ? options.profile : undefined;
  const working = copyNetwork(network);
  const rules = options.rules ?? defaultBuilderRules;
  const log = runBuilderRules(working, rules, options);
  emitProgress(options.onProgress, {
    phase: 'optimize',
    message: `${log.length} rewrites, ${network.layers.length} → ${working.layers.length} layers`,
  });
  throwIfAborted(options.signal, 'the build');
  const tacticDevice = options.tune ? backend.tacticDevice() : undefined;
  if (options.tune === true && tacticDevice === undefined) {
    throw new KilnError(
      ErrorCode.NATIVE_UNAVAILABLE,
      `tactic tuning needs the ${backend.name} backend's native executor, which is not loaded`,
      {
        hint: 'build it with `pnpm build:native` (kiln doctor says what is missing), or build with tune: false',
      },
    );
  }
  const tuneShapes = profile ? optShapes(profile) : undefined;
  const tactics =
    tacticDevice !== undefined
      ? await selectTactics(working, backend, tacticDevice, {
          ...(tuneShapes ? { inputShapes: tuneShapes } : {}),
          ...(options.timingCache ? { cache: options.timingCache } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.maxWorkspaceSize !== undefined ? { maxWorkspaceSize: options.maxWorkspaceSize } : {}),
        })
      : undefined;
  if (tactics) warnUntunedInputs(working, tuneShapes, options);
  throwIfAborted(options.signal, 'the build');
  const workspace = new Map(Object.entries(tactics?.choices ?? {}).map(([layer, c]) => [layer, c.workspaceBytes]));
  // A profile's plan is sized for its largest inputs, as TensorRT sizes a context for `max`
  // (exact where activations grow with the inputs, as in the conv nets profiles are made for).
  const givenShapes = options.memory ? options.memory.shapes : undefined;
  const memoryShapes = profile ? new Map([...maxShapes(profile), ...(givenShapes ?? [])]) : givenShapes;
  const memoryOptions =
    options.memory === false
      ? false
      : {
          ...options.memory,
          ...(memoryShapes ? { shapes: memoryShapes } : {}),
          workspace: new Map([...(options.memory?.workspace ?? []), ...workspace]),
          ...(options.maxWorkspaceSize !== undefined ? { maxWorkspaceSize: options.maxWorkspaceSize } : {}),
        };
  const memoryPlan = buildMemoryPlan(working, memoryOptions, options.onProgress, options.memory !== undefined);
  return {
    manifest: {
      formatVersion: PLAN_FORMAT_VERSION,
      kilnVersion: KILN_VERSION,
      backend: backend.name,
      device,
      precisions: precisionsOf(working),
      plugins: pluginsOf(working),
      buildSettings: {
        precision,
        passes: rules.map((r) => r.name),
        tuned: tactics !== undefined,
        ...(options.maxWorkspaceSize !== undefined ? { maxWorkspaceSize: options.maxWorkspaceSize } : {}),
        ...(profile ? { profile: copyProfile(profile) } : {}),
      },
      sections: [],
    },
    network: working,
    layerCounts: { before: network.layers.length, after: working.layers.length },
    ...(memoryPlan ? { memoryPlan } : {}),
    ...(tactics && Object.keys(tactics.choices).length > 0 ? { tactics } : {}),
  };
}

/**
 * Says which inputs left layers untimed: a symbolic dim is never taken as 1 behind the user's
 * back, so without a profile those layers keep the executor's per-shape heuristic.
 */
function warnUntunedInputs(network: Network, given: ReadonlyMap<string, readonly number[]> | undefined, options: BuildOptions): void {
  for (const input of untunedInputs(network, given)) {
    const declared = input.shape ? `[${input.shape.map((d) => (d === null ? '?' : String(d))).join(',')}]` : 'of unknown rank';
    const example = input.shape ? input.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : '?')).join('x') : '…';
    const message =
      `input '${input.name}' is ${declared} with no optimization profile: the layers whose shapes depend on it were not ` +
      `timed and use the executor's per-shape choice; to time them, give its shapes (kiln build --shapes ${input.name}:${example} ` +
      "with each '?' a size, or buildPlan's profile option)";
    options.logger?.log('warn', message);
    emitProgress(options.onProgress, { phase: 'tactics', item: input.name, message });
  }
}

/** A plain-JSON copy for the manifest (the caller's arrays may be readonly or typed). */
function copyProfile(profile: OptimizationProfile): Record<string, { min: number[]; opt: number[]; max: number[] }> {
  return Object.fromEntries(Object.entries(profile).map(([name, r]) => [name, { min: [...r.min], opt: [...r.opt], max: [...r.max] }]));
}

/** Topology of every (sub-)network, and that every layer kind is one kiln knows. */
function validateNetwork(network: Network): void {
  const kinds = new Set<string>(LAYER_KINDS);
  forEachNetwork(network, (n) => {
    n.validate();
    n.layers.forEach((layer, index) => {
      if (!kinds.has(layer.kind)) {
        throw new KilnError(ErrorCode.UNSUPPORTED_LAYER, `unknown layer kind '${String(layer.kind)}'`, {
          layer: { name: layer.name, kind: layer.kind, index },
          hint: `layer kinds are: ${LAYER_KINDS.join(', ')}`,
        });
      }
      checkLayerInputs(layer, { name: layer.name, kind: layer.kind, index });
    });
  });
}

/** A copy whose layer list and tensor table rules may edit without touching the caller's network. */
function copyNetwork(network: Network): Network {
  const copy = new Network(network.name);
  copy.tensors = new Map(network.tensors);
  copy.inputs = [...network.inputs];
  copy.outputs = [...network.outputs];
  copy.layers = [...network.layers];
  return copy;
}

function precisionsOf(network: Network): DType[] {
  const found = new Set<DType>();
  forEachNetwork(network, (n) => {
    for (const t of n.tensors.values()) if (isFloatDType(t.dtype)) found.add(t.dtype);
    for (const l of n.layers) if (l.precision) found.add(l.precision);
  });
  return [...found].sort();
}

function pluginsOf(network: Network): PluginRef[] {
  const found = new Map<string, PluginRef>();
  forEachNetwork(network, (n) => {
    for (const l of n.layers) {
      if (l.kind !== 'plugin') continue;
      const { namespace, name, version, package: pkg } = l.params;
      found.set(`${namespace}::${name}::${version}`, { namespace, name, version, ...(pkg ? { package: pkg } : {}) });
    }
  });
  return [...found.keys()].sort().map((k) => found.get(k)!);
}
