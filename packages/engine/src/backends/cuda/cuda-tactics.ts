/**
 * Build-time tactic selection for CUDA plans. kiln_cuda.node times the candidates of every
 * conv2d/GEMM on the device when a CudaProgram is created; the builder creates one for the
 * plan's shapes, reads which tactic each op chose and what every candidate measured (as data,
 * by op number), and records them per layer (the plan's tactics section) and per op signature
 * (the timing cache). Ops whose signature the cache knows are
 * created with that tactic forced, so they are not timed: a warm-cache build times nothing and
 * chooses the same tactics. Execution contexts later force the plan's tactics too.
 */
import { emitProgress, type Network, type ProgressListener, throwIfAborted } from '@kiln-inference/core';
import type { CudaPrecision } from '@kiln-inference/cuda-runtime';
import { type CompiledStage, compileStage } from '../../lowering/compile-stage.js';
import { networkConstants, splitStages } from '../../lowering/stages.js';
import type { DeviceInfo } from '../../plan/manifest.js';
import { opSignature, stageTuningShapes, tuningShapes } from '../../tactics/select-tactics.js';
import type { TacticChoice, TacticChoices } from '../../tactics/tactic-choices.js';
import type { TimingCache } from '../../tactics/timing-cache.js';
import { cudaRuntime } from './cuda-runtime-module.js';

/** The ops kiln_cuda.node times candidates for (a subset of TACTIC_OPS). */
const TUNED_OPS = new Set(['conv2d', 'gemm']);

export interface CudaTacticOptions {
  precision: CudaPrecision;
  device?: number;
  cache?: TimingCache;
  /** Shapes to tune network inputs for; symbolic dims default to 1. */
  inputShapes?: ReadonlyMap<string, readonly number[]>;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** The timing-cache device key: GPU model, capability and precision (tactics differ per precision). */
export function cudaTacticDevice(device: DeviceInfo, precision: CudaPrecision): string {
  return `cuda ${device.type} ${device.arch} ${precision}`;
}

export async function selectCudaTactics(network: Network, deviceInfo: DeviceInfo, options: CudaTacticOptions): Promise<TacticChoices> {
  const device = cudaTacticDevice(deviceInfo, options.precision);
  const constants = networkConstants(network);
  const choices: Record<string, TacticChoice> = {};
  for (const stage of splitStages(network, constants, new Set(), 'cuda').filter((s) => s.kind === 'native')) {
    throwIfAborted(options.signal, 'the build');
    const shapes = stageTuningShapes(network, stage, options.inputShapes);
    if (!shapes) continue;
    const compiled: CompiledStage = compileStage(network, stage, shapes, constants);
    const { program } = compiled;
    const tuned = program.ops.map((op, i) => ({ op, i, layer: compiled.opLayers[i]! })).filter((t) => TUNED_OPS.has(t.op.op));
    const signatures = new Map(tuned.map((t) => [t.i, opSignature(t.op, program.values)]));
    const cached = new Map<number, string>();
    const cachedTimings = new Map<number, Record<string, number>>();
    for (const t of tuned) {
      const timings = options.cache?.get(signatures.get(t.i)!, device);
      const tactic = timings ? Object.keys(timings).sort((a, b) => timings[a]! - timings[b]! || a.localeCompare(b))[0] : undefined;
      if (tactic && timings) {
        cached.set(t.i, tactic);
        cachedTimings.set(t.i, timings);
      }
    }
    const forced = { ...program, ops: program.ops.map((op, i) => (cached.has(i) ? ({ ...op, tactic: cached.get(i)! } as typeof op) : op)) };
    emitProgress(options.onProgress, {
      phase: 'tactics',
      message: `timing ${tuned.length - cached.size} of ${tuned.length} convolutions/GEMMs on the device`,
    });
    const cuda = await cudaRuntime().CudaProgram.create(forced, {
      precision: options.precision,
      ...(options.device !== undefined ? { device: options.device } : {}),
    });
    try {
      // The executor reports, per op it runs, the Program op it came from and every candidate it
      // timed. An op with another folded in (a residual add in its convolution) chose among a
      // different candidate set than the op alone: its choice goes in the plan, not the cache.
      const ran = new Map(cuda.info.ops.map((o) => [o.opIndex, o]));
      const untimed = tuned.some((t) => ran.get(t.i)?.trials.length === 0 && cached.get(t.i) !== ran.get(t.i)?.tactic);
      const profiled = untimed ? new Map((await cuda.profile(5)).map((r) => [r.opIndex, r.ms])) : new Map<number, number>();
      for (const [k, t] of tuned.entries()) {
        const op = ran.get(t.i);
        if (!op) continue;
        const fromCache = op.trials.length === 0 && cached.get(t.i) === op.tactic;
        const timings = fromCache
          ? cachedTimings.get(t.i)!
          : op.trials.length > 0
            ? Object.fromEntries(op.trials.map((trial) => [trial.tactic, trial.ms]))
            : { [op.tactic]: profiled.get(t.i) ?? 0 };
        if (!fromCache && op.fusedOps.length === 0) options.cache?.set(signatures.get(t.i)!, device, timings);
        // Cached choices keep the cached timings, so warm-cache builds write identical plans.
        choices[t.layer] ??= { tactic: op.tactic, timings, source: fromCache ? 'cache' : 'measured', workspaceBytes: op.workspaceBytes };
        emitProgress(options.onProgress, {
          phase: 'tactics',
          item: t.layer,
          done: k + 1,
          total: tuned.length,
          message: `${t.op.op}: ${op.tactic} (${fromCache ? 'cache' : 'measured'})`,
          tacticsTried: fromCache ? 0 : Math.max(1, op.trials.length),
        });
      }
    } finally {
      await cuda.dispose();
    }
  }
  return { device, choices, inputShapes: tuningShapes(network, options.inputShapes) };
}
