/**
 * Build-time tactic selection for CUDA plans. kiln_cuda.node times the candidates of every
 * conv2d/GEMM on the device when a CudaProgram is created; the builder creates one for the
 * plan's shapes, reads which tactic each op chose, and records it per layer (the plan's tactics
 * section) and per op signature (the timing cache). Ops whose signature the cache knows are
 * created with that tactic forced, so they are not timed: a warm-cache build times nothing and
 * chooses the same tactics. Execution contexts later force the plan's tactics too.
 */
import { emitProgress, type Network, type ProgressListener, throwIfAborted } from '@kiln/core';
import { type CudaPrecision, CudaProgram } from '@kiln/cuda-runtime';
import { type CompiledStage, compileStage } from '../../lowering/compile-stage.js';
import { networkConstants, splitStages } from '../../lowering/stages.js';
import type { DeviceInfo } from '../../plan/manifest.js';
import { opSignature, stageTuningShapes, tuningShapes } from '../../tactics/select-tactics.js';
import type { TacticChoice, TacticChoices } from '../../tactics/tactic-choices.js';
import type { TimingCache } from '../../tactics/timing-cache.js';

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
    const cuda = await CudaProgram.create(forced, {
      precision: options.precision,
      ...(options.device !== undefined ? { device: options.device } : {}),
    });
    try {
      // The executor may fuse ops (an add into the convolution before it), so its op list is
      // not the program's: match its per-op report to program ops by the value each writes.
      const report = await cuda.profile(cached.size < tuned.length ? 5 : 1);
      const byOutput = new Map<string, { tactic: string; ms: number }>();
      for (const entry of report) {
        const written = /'(.*)'\)\s*$/.exec(entry.op)?.[1];
        if (written !== undefined) byOutput.set(written, { tactic: entry.tactic, ms: entry.ms });
      }
      for (const [k, t] of tuned.entries()) {
        const found = byOutput.get(program.values[t.op.y]!.name);
        if (!found) continue; // fused away by the executor: it chooses that op's tactic itself
        const source: TacticChoice['source'] = cached.get(t.i) === found.tactic ? 'cache' : 'measured';
        if (source === 'measured') options.cache?.set(signatures.get(t.i)!, device, { [found.tactic]: found.ms });
        if (!choices[t.layer]) {
          // Cached choices keep the cached timings, so warm-cache builds write identical plans.
          const timings = source === 'cache' ? cachedTimings.get(t.i)! : { [found.tactic]: found.ms };
          choices[t.layer] = { tactic: found.tactic, timings, source, workspaceBytes: 0 };
        }
        emitProgress(options.onProgress, {
          phase: 'tactics',
          item: t.layer,
          done: k + 1,
          total: tuned.length,
          message: `${t.op.op}: ${found.tactic} (${source})`,
          tacticsTried: source === 'cache' ? 0 : 1,
        });
      }
    } finally {
      await cuda.dispose();
    }
  }
  return { device, choices, inputShapes: tuningShapes(network, options.inputShapes) };
}
