/**
 * Tactic selection (auto-tuning), one procedure for every ProgramBackend: each native stage of
 * the network is compiled at its tuning shapes; every op the backend calls tunable (convolutions,
 * GEMMs) gets its candidates from the backend as data (op number, tactic, workspace), they are
 * timed on the device with the real shapes, and the fastest within the workspace bound is kept.
 * Every candidate's timing goes in the plan and the timing cache; ops the cache knows are forced
 * to its fastest tactic and not timed, so a warm-cache build times nothing and chooses the same.
 */
import {
  type Dim,
  emitProgress,
  type Network,
  PROGRAM_DTYPE_ARRAYS,
  type Program,
  type ProgramData,
  type ProgramOp,
  type ProgramValue,
  type ProgressListener,
  programDTypeBytes,
  throwIfAborted,
} from '@kiln-inference/core';
import { compileStage } from '../lowering/compile-stage.js';
import { networkConstants, type Stage, splitStages } from '../lowering/stages.js';
import type { ProgramBackend, TacticTiming } from '../program-backend.js';
import { opOperands, withOperands } from './op-operands.js';
import type { TacticChoice, TacticChoices } from './tactic-choices.js';
import type { TacticMeasures, TimingCache } from './timing-cache.js';

/** What tactic selection asks of a backend. */
export type TacticBackend = Pick<ProgramBackend, 'support' | 'tunable' | 'tacticCandidates' | 'time'>;

export interface SelectTacticsOptions {
  /**
   * Shapes to tune network inputs for (the optimization profile's "opt" shapes). An input not
   * given here is tuned at its declared shape when that is static; otherwise the stages it feeds
   * keep the executor's own per-shape choice (a symbolic dim is never guessed).
   */
  inputShapes?: ReadonlyMap<string, readonly number[]>;
  cache?: TimingCache;
  maxWorkspaceSize?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/**
 * The network input shapes tactics are timed for: the given ones, else the declared shape when
 * every dim of it is known. Inputs with symbolic dims and no given shape are left out: timing
 * them at a guessed size (say 1) chooses tactics for, or fails on, a shape that never runs.
 */
export function tuningShapes(network: Network, given?: ReadonlyMap<string, readonly number[]>): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const input of network.inputs) {
    const shape = given?.get(input.name) ?? staticShape(input.shape);
    if (shape) shapes[input.name] = [...shape];
  }
  return shapes;
}

/** Network inputs whose shapes tactics cannot be timed for: symbolic dims (or unknown rank) and no given shape. */
export function untunedInputs(network: Network, given?: ReadonlyMap<string, readonly number[]>): Network['inputs'] {
  return network.inputs.filter((input) => input.valueKind !== 'sequence' && !given?.has(input.name) && !staticShape(input.shape));
}

function staticShape(shape: readonly Dim[] | null | undefined): number[] | undefined {
  return shape?.every((d): d is number => typeof d === 'number' && d >= 0) ? [...shape] : undefined;
}

/**
 * Shapes to tune one stage's inputs for: network inputs as tuningShapes gives them, other stage
 * inputs when their declared shape is static; undefined when a stage input has no static shape.
 */
export function stageTuningShapes(
  network: Network,
  stage: Stage,
  given?: ReadonlyMap<string, readonly number[]>,
): Map<string, number[]> | undefined {
  const inputs = tuningShapes(network, given);
  const shapes = new Map<string, number[]>();
  for (const name of stage.inputs) {
    const shape = inputs[name] ?? staticShape(network.tensors.get(name)?.shape);
    if (!shape) return undefined;
    shapes.set(name, shape);
  }
  return shapes;
}

/** A stable description of an op for the timing cache: its kind, params and operand shapes. */
export function opSignature(op: ProgramOp, values: readonly ProgramValue[]): string {
  const described = withOperands(op, (id) => {
    const v = values[id]!;
    return `${v.storage.kind === 'weight' ? 'w' : 'a'}[${v.shape.join('x')}]` as unknown as number;
  });
  // The tactic is what is being chosen and the label names a layer: neither changes what is timed.
  const { tactic: _tactic, label: _label, ...rest } = described;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

/** The op alone as a program: activations become inputs, weights stay weights, the output is the arena. */
export function singleOpProgram(op: ProgramOp, program: Program): { program: Program; inputs: ProgramData[] } {
  const values: ProgramValue[] = [];
  const weights: ProgramData[] = [];
  const inputs: ProgramData[] = [];
  const inputIds: number[] = [];
  const remap = new Map<number, number>();
  const output = opOperands(op).output;
  let seed = 1;
  const mapped = withOperands(op, (id) => {
    const existing = remap.get(id);
    if (existing !== undefined) return existing;
    const v = program.values[id]!;
    const next = values.length;
    remap.set(id, next);
    if (id === output) {
      values.push({ name: v.name, dtype: v.dtype, shape: v.shape, storage: { kind: 'arena', offset: 0 } });
    } else if (v.storage.kind === 'weight') {
      weights.push(program.weights[v.storage.index]!);
      values.push({ name: v.name, dtype: v.dtype, shape: v.shape, storage: { kind: 'weight', index: weights.length - 1 } });
    } else {
      const data = new PROGRAM_DTYPE_ARRAYS[v.dtype](v.shape.reduce((a, b) => a * b, 1));
      // Deterministic, non-degenerate data: timings must not depend on zeros or denormals.
      if (data instanceof Float32Array) for (let i = 0; i < data.length; i++) data[i] = (((i * 2654435761 + seed) >>> 8) % 2001) / 1000 - 1;
      seed++;
      values.push({ name: v.name, dtype: v.dtype, shape: v.shape, storage: { kind: 'input', index: inputs.length } });
      inputIds.push(next);
      inputs.push(data);
    }
    return next;
  });
  const y = values[remap.get(output)!]!;
  return {
    program: {
      values,
      weights,
      ops: [mapped],
      inputs: inputIds,
      outputs: [remap.get(output)!],
      arenaBytes: programDTypeBytes(y.dtype) * y.shape.reduce((a, b) => a * b, 1),
    },
    inputs,
  };
}

/** The fastest tactic of `measures` whose workspace fits (ties: the first name), or undefined. */
function fastest(measures: TacticMeasures, maxWorkspace: number | undefined): string | undefined {
  const fits = Object.keys(measures)
    .filter((t) => maxWorkspace === undefined || measures[t]!.workspaceBytes <= maxWorkspace)
    .sort((a, b) => measures[a]!.ms - measures[b]!.ms || (a < b ? -1 : a > b ? 1 : 0));
  return fits[0];
}

/**
 * Chooses a tactic for every tunable op of the network's native stages whose input shapes are
 * known (given, or static). Layers of stages fed by an input of unknown size keep the
 * executor's default. `device` is the backend's timing-cache key (ProgramBackend.tacticDevice).
 */
export async function selectTactics(
  network: Network,
  backend: TacticBackend,
  device: string,
  options: SelectTacticsOptions = {},
): Promise<TacticChoices> {
  const constants = networkConstants(network);
  const choices: Record<string, TacticChoice> = {};
  const limit = options.maxWorkspaceSize;
  const support = backend.support.bind(backend);
  const stages = splitStages(network, constants, new Set(), support).filter((s) => s.kind === 'native');
  for (const stage of stages) {
    throwIfAborted(options.signal, 'the build');
    const shapes = stageTuningShapes(network, stage, options.inputShapes);
    if (!shapes) continue;
    const compiled = compileStage(network, stage, shapes, constants);
    const { program } = compiled;
    const tunable = program.ops.map((op, i) => ({ op, i, layer: compiled.opLayers[i]! })).filter((t) => backend.tunable(t.op));
    const signatures = new Map(tunable.map((t) => [t.i, opSignature(t.op, program.values)]));
    const cached = new Map<number, { tactic: string; measures: TacticMeasures }>();
    for (const t of tunable) {
      const measures = options.cache?.get(signatures.get(t.i)!, device);
      const tactic = measures && fastest(measures, limit);
      if (measures && tactic) cached.set(t.i, { tactic, measures });
    }
    // Cached ops run with their tactic forced, so a backend that times a whole program (CUDA) skips them.
    const forced = {
      ...program,
      ops: program.ops.map((op, i) => (cached.has(i) ? ({ ...op, tactic: cached.get(i)!.tactic } as ProgramOp) : op)),
    };
    const untimed = tunable.filter((t) => !cached.has(t.i)).map((t) => t.i);
    const measured = new Map<number, { measures: TacticMeasures; folded: boolean }>();
    if (untimed.length > 0) {
      emitProgress(options.onProgress, {
        phase: 'tactics',
        message: `timing ${untimed.length} of ${tunable.length} tunable ops on the device`,
      });
      const candidates = (await backend.tacticCandidates(forced, untimed)).filter((c) => limit === undefined || c.workspaceBytes <= limit);
      throwIfAborted(options.signal, 'the build');
      for (const timing of await backend.time(forced, candidates)) record(measured, timing);
      for (const [i, m] of measured) {
        // An op timed with others folded in chose among other candidates than the op alone: plan only.
        if (!m.folded) options.cache?.set(signatures.get(i)!, device, m.measures);
      }
    }
    for (const [k, t] of tunable.entries()) {
      const fromCache = cached.get(t.i);
      const measures = fromCache?.measures ?? measured.get(t.i)?.measures;
      const tactic = fromCache?.tactic ?? (measures && fastest(measures, limit));
      if (!measures || !tactic || choices[t.layer]) continue;
      const source: TacticChoice['source'] = fromCache ? 'cache' : 'measured';
      const fits = Object.entries(measures).filter(([, m]) => limit === undefined || m.workspaceBytes <= limit);
      choices[t.layer] = {
        tactic,
        // Cached choices keep the cached timings, so warm-cache builds write identical plans.
        timings: Object.fromEntries(fits.map(([name, m]) => [name, m.ms])),
        source,
        workspaceBytes: measures[tactic]!.workspaceBytes,
      };
      emitProgress(options.onProgress, {
        phase: 'tactics',
        item: t.layer,
        done: k + 1,
        total: tunable.length,
        tacticsTried: fromCache ? 0 : fits.length,
        message: `${t.op.op}: ${tactic} (${fromCache ? 'timing cache' : `timed ${fits.length} tactics`})`,
      });
    }
  }
  return { device, choices, inputShapes: tuningShapes(network, options.inputShapes) };
}

function record(measured: Map<number, { measures: TacticMeasures; folded: boolean }>, timing: TacticTiming): void {
  const entry = measured.get(timing.opIndex) ?? { measures: {}, folded: false };
  entry.measures[timing.tactic] = { ms: timing.ms, workspaceBytes: timing.workspaceBytes };
  entry.folded ||= (timing.foldedOps?.length ?? 0) > 0;
  measured.set(timing.opIndex, entry);
}
