/**
 * `kiln build MODEL -o model.plan [--precision fp32] [--timing-cache FILE] [--no-tune]
 * [--max-workspace BYTES] [--shapes x:1x3x48x192 | --min-shapes/--opt-shapes/--max-shapes]`:
 * parse, convert, optimize, tune (at the profile's opt shapes) and serialize an engine plan.
 */
import { writeFileSync } from 'node:fs';
import { ErrorCode, KilnError, MemoryLogger, type ProgressListener } from '@kiln-inference/core';
import { loadCpuNative } from '@kiln-inference/cpu-runtime';
import { buildPlan, defaultBackends, type OptimizationProfile, serializePlan, TimingCache } from '@kiln-inference/engine';
import { type PluginsOption, resolvePlugins } from '@kiln-inference/plugin-sdk';
import { type LoadModelOptions, loadModel, toNetwork } from '../../load-model.js';

export interface BuildCommandOptions extends LoadModelOptions {
  output: string;
  /** Plugin packages or paths (`--plugin`) whose ops the model uses. */
  plugins?: PluginsOption;
  backend?: string;
  precision?: string;
  timingCache?: string;
  tune?: boolean;
  maxWorkspaceSize?: number;
  /** min/opt/max per input (`--shapes`, `--min-shapes/--opt-shapes/--max-shapes`). */
  profile?: OptimizationProfile;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface BuildSummary {
  output: string;
  bytes: number;
  layers: { before: number; after: number };
  tactics: { tuned: number; fromCache: number };
  arenaBytes?: number;
  sumBytes?: number;
  /** The optimization profile recorded in the plan, per input. */
  profile?: Record<string, { min: number[]; opt: number[]; max: number[] }>;
  /** What the build could not do as asked or as well as it might (e.g. layers left untimed). */
  warnings: string[];
  milliseconds: number;
}

export async function buildModel(model: string, options: BuildCommandOptions): Promise<BuildSummary> {
  const t0 = performance.now();
  const backend = options.backend ?? 'cpu';
  const precision = options.precision ?? 'fp32';
  if (backend !== 'cpu' && backend !== 'cuda') {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `--backend ${backend} does not exist`, { hint: 'use --backend cpu or --backend cuda' });
  }
  // The backend says which precisions it builds (creating one loads no binding).
  const { precisions } = defaultBackends.create(backend);
  if (!(precisions as readonly string[]).includes(precision)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `--precision ${precision} is not available for the ${backend} backend`, {
      hint: `use --precision ${precisions.join(' | ')}${backend === 'cpu' ? ' (fp16/tf32 need --backend cuda; int8 arrives with the quantizer)' : ''}`,
    });
  }
  const { graph } = await loadModel(model, options);
  const network = toNetwork(graph, options, await resolvePlugins(options.plugins));
  const cache = options.timingCache ? TimingCache.load(options.timingCache) : undefined;
  const logger = new MemoryLogger();
  const plan = await buildPlan(network, {
    backend,
    precision: precision as 'fp32' | 'tf32' | 'fp16',
    // CPU tuning needs the native kernels (without them the plan runs on the reference kernels);
    // CUDA builds time their tactics on the device they build for.
    tune: options.tune ?? (backend === 'cuda' || loadCpuNative().ok),
    ...(cache ? { timingCache: cache } : {}),
    ...(options.maxWorkspaceSize !== undefined ? { maxWorkspaceSize: options.maxWorkspaceSize } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    logger,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const bytes = serializePlan(plan);
  try {
    writeFileSync(options.output, bytes);
  } catch (e) {
    throw new KilnError(ErrorCode.IO_ERROR, `cannot write '${options.output}': ${(e as Error).message}`);
  }
  if (cache && options.timingCache) cache.save(options.timingCache);
  const choices = Object.values(plan.tactics?.choices ?? {});
  return {
    output: options.output,
    bytes: bytes.length,
    layers: plan.layerCounts ?? { before: network.layers.length, after: plan.network.layers.length },
    tactics: {
      tuned: choices.filter((c) => c.source === 'measured').length,
      fromCache: choices.filter((c) => c.source === 'cache').length,
    },
    ...(plan.memoryPlan ? { arenaBytes: plan.memoryPlan.arenaBytes, sumBytes: plan.memoryPlan.sumBytes } : {}),
    ...(plan.manifest.buildSettings.profile ? { profile: plan.manifest.buildSettings.profile } : {}),
    warnings: logger.entries.filter((e) => e.level === 'warn' || e.level === 'error').map((e) => e.message),
    milliseconds: performance.now() - t0,
  };
}

export function formatBuildSummary(s: BuildSummary): string {
  const MiB = 1024 * 1024;
  const lines = [
    `wrote ${s.output} (${(s.bytes / MiB).toFixed(2)} MiB) in ${(s.milliseconds / 1000).toFixed(1)} s`,
    `layers ${s.layers.before} → ${s.layers.after}`,
    `tactics: ${s.tactics.tuned} timed, ${s.tactics.fromCache} from the timing cache`,
  ];
  if (s.arenaBytes !== undefined && s.sumBytes !== undefined) {
    lines.push(`activation memory: ${(s.arenaBytes / MiB).toFixed(2)} MiB arena for ${(s.sumBytes / MiB).toFixed(2)} MiB of activations`);
  }
  for (const [name, r] of Object.entries(s.profile ?? {})) {
    const same = (a: number[], b: number[]) => a.join('x') === b.join('x');
    lines.push(
      same(r.min, r.max)
        ? `profile: ${name} ${r.opt.join('x')}`
        : `profile: ${name} min ${r.min.join('x')}, opt ${r.opt.join('x')}, max ${r.max.join('x')}`,
    );
  }
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
