/**
 * Tactic selection (auto-tuning): every tunable op of the lowered plan (convolutions, GEMMs) is
 * timed on this device with its real shapes under each candidate implementation, and the
 * fastest is kept. Timings come from the timing cache when it has the op's signature, so a
 * warm-cache build times nothing and chooses the same tactics.
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
import { compileStage, TACTIC_OPS } from '../lowering/compile-stage.js';
import { networkConstants, type Stage, splitStages } from '../lowering/stages.js';
import { opOperands, withOperands } from './op-operands.js';
import type { TacticChoice, TacticChoices } from './tactic-choices.js';
import type { TimingCache } from './timing-cache.js';

/** What a backend offers for tuning: its candidates, their scratch needs and a way to time them. */
export interface TacticProvider {
  /** Device identity for the timing cache ("cpu x64 avx2_fma 2 threads", a GPU name + capability). */
  readonly device: string;
  candidates(op: ProgramOp, values: readonly ProgramValue[]): string[];
  workspaceBytes(op: ProgramOp, values: readonly ProgramValue[], tactic: string): number;
  /** Median milliseconds of one run of a program. */
  time(program: Program, inputs: readonly ProgramData[]): Promise<number>;
}

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

/**
 * Chooses a tactic for every tunable op of the network's native stages whose input shapes are
 * known (given, or static). Layers of stages fed by an input of unknown size keep the
 * executor's default.
 */
export async function selectTactics(
  network: Network,
  provider: TacticProvider,
  options: SelectTacticsOptions = {},
): Promise<TacticChoices> {
  const constants = networkConstants(network);
  const choices: Record<string, TacticChoice> = {};
  const stages = splitStages(network, constants).filter((s) => s.kind === 'native');
  for (const stage of stages) {
    const shapes = stageTuningShapes(network, stage, options.inputShapes);
    if (!shapes) continue;
    const compiled = compileStage(network, stage, shapes, constants);
    const { program } = compiled;
    const tunable = program.ops.map((op, i) => ({ op, layer: compiled.opLayers[i]! })).filter((t) => TACTIC_OPS.has(t.op.op));
    for (const [k, { op, layer }] of tunable.entries()) {
      throwIfAborted(options.signal, 'the build');
      if (choices[layer]) continue;
      const candidates = provider
        .candidates(op, program.values)
        .filter(
          (t) => options.maxWorkspaceSize === undefined || provider.workspaceBytes(op, program.values, t) <= options.maxWorkspaceSize,
        );
      if (candidates.length === 0) continue;
      const signature = opSignature(op, program.values);
      let timings = options.cache?.get(signature, provider.device);
      const source: TacticChoice['source'] = timings && candidates.every((c) => timings![c] !== undefined) ? 'cache' : 'measured';
      if (source === 'measured') {
        timings = {};
        const single = singleOpProgram(op, program);
        for (const tactic of candidates) {
          throwIfAborted(options.signal, 'the build');
          single.program.ops[0] = { ...single.program.ops[0]!, tactic } as ProgramOp;
          timings[tactic] = await provider.time(single.program, single.inputs);
        }
        options.cache?.set(signature, provider.device, timings);
      }
      const best = candidates.reduce((a, b) => (timings![b]! < timings![a]! ? b : a));
      choices[layer] = {
        tactic: best,
        timings: Object.fromEntries(candidates.map((c) => [c, timings![c]!])),
        source,
        workspaceBytes: provider.workspaceBytes(op, program.values, best),
      };
      emitProgress(options.onProgress, {
        phase: 'tactics',
        item: layer,
        done: k + 1,
        total: tunable.length,
        tacticsTried: source === 'cache' ? 0 : candidates.length,
        message: `${op.op}: ${best} (${source === 'cache' ? 'timing cache' : `timed ${candidates.length} tactics`})`,
      });
    }
  }
  return { device: provider.device, choices, inputShapes: tuningShapes(network, options.inputShapes) };
}
