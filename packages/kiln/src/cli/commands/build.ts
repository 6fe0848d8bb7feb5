/**
 * `kiln build MODEL -o model.plan [--precision fp32] [--timing-cache FILE] [--no-tune]
 * [--max-workspace BYTES]`: parse, convert, optimize, tune and serialize an engine plan.
 */
import { writeFileSync } from 'node:fs';
import { ErrorCode, KilnError, type ProgressListener } from '@kiln/core';
import { loadCpuNative } from '@kiln/cpu-runtime';
import { buildPlan, serializePlan, TimingCache } from '@kiln/engine';
import { type LoadModelOptions, loadModel, toNetwork } from '../../load-model.js';

export interface BuildCommandOptions extends LoadModelOptions {
  output: string;
  backend?: string;
  precision?: string;
  timingCache?: string;
  tune?: boolean;
  maxWorkspaceSize?: number;
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
  milliseconds: number;
}

export async function buildModel(model: string, options: BuildCommandOptions): Promise<BuildSummary> {
  const t0 = performance.now();
  const backend = options.backend ?? 'cpu';
  const precision = options.precision ?? 'fp32';
  if (backend !== 'cpu' && backend !== 'cuda') {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `--backend ${backend} does not exist`, { hint: 'use --backend cpu or --backend cuda' });
  }
  const precisions = backend === 'cpu' ? ['fp32'] : ['fp32', 'tf32', 'fp16'];
  if (!precisions.includes(precision)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `--precision ${precision} is not available for the ${backend} backend`, {
      hint: `use --precision ${precisions.join(' | ')}${backend === 'cpu' ? ' (fp16/tf32 need --backend cuda; int8 arrives with the quantizer)' : ''}`,
    });
  }
  const { graph } = await loadModel(model, options);
  const network = toNetwork(graph, options);
  const cache = options.timingCache ? TimingCache.load(options.timingCache) : undefined;
  const plan = await buildPlan(network, {
    backend,
    precision: precision as 'fp32' | 'tf32' | 'fp16',
    // CPU tuning needs the native kernels (without them the plan runs on the reference kernels);
    // CUDA builds time their tactics on the device they build for.
    tune: options.tune ?? (backend === 'cuda' || loadCpuNative().ok),
    ...(cache ? { timingCache: cache } : {}),
    ...(options.maxWorkspaceSize !== undefined ? { maxWorkspaceSize: options.maxWorkspaceSize } : {}),
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
  return lines.join('\n');
}
