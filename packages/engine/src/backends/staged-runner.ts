/**
 * Runs a plan's network stage by stage, for every backend: native stages as Programs created by
 * the backend's createProgram (one native asynchronous call each, compiled on first use for the
 * actual input shapes and cached by them), reference stages with the TypeScript kernels on the
 * calling thread. A layer whose lowering (or whose program creation) fails for the actual
 * shapes with UNSUPPORTED_LAYER moves to the reference kernels, and the stages are split again.
 * Runs must not overlap: callers (the inline and worker runners) queue them.
 */
import {
  checkShapeSize,
  ErrorCode,
  isKilnError,
  KilnError,
  type Network,
  type ProgramData,
  type ResourceLimits,
  Tensor,
  withResourceLimits,
} from '@kiln-inference/core';
import { type Kernel, ReferenceExecutor, type RuntimeValue } from '@kiln-inference/cpu-runtime';
import { type CompiledStage, type CompileOptions, compileStage } from '../lowering/compile-stage.js';
import { tacticsApply } from '../lowering/lower-network.js';
import { stageAsNetwork } from '../lowering/stage-network.js';
import { networkConstants, type Stage, splitStages } from '../lowering/stages.js';
import type { ProgramBackend, ProgramRunner } from '../program-backend.js';

/** What the runner needs of a backend: which layers its programs run, and a way to create them. */
export type StageBackend = Pick<ProgramBackend, 'support' | 'createProgram'>;

export interface StagedRunnerOptions extends CompileOptions {
  /** Runs the native stages. */
  backend: StageBackend;
  plugins?: Map<string, Kernel<'plugin'>>;
  /** Cached compiled programs per native stage (distinct input shapes); the oldest is dropped past it. */
  maxShapesPerStage?: number;
  /** The context's limits, installed around each synchronous section and given to the programs (default: the thread's). */
  limits?: ResourceLimits;
}

interface NativeEntry {
  compiled: CompiledStage;
  runner: ProgramRunner;
}

interface PreparedStage {
  stage: Stage;
  /** Reference stages run this network. */
  network?: Network;
  /** Native stages: compiled programs by input-shape key. */
  programs: Map<string, NativeEntry>;
}

/** Thrown inside a run when a layer cannot lower for the actual shapes: re-split without it. */
class Restage extends Error {
  constructor(readonly layer: string) {
    super(`restage without ${layer}`);
  }
}

export class StagedRunner {
  private readonly constants;
  private readonly forceReference = new Set<string>();
  private stages: PreparedStage[] = [];
  private readonly reference: ReferenceExecutor;

  constructor(
    private readonly network: Network,
    private readonly options: StagedRunnerOptions,
  ) {
    this.constants = networkConstants(network);
    this.reference = new ReferenceExecutor(options.plugins ? { plugins: options.plugins } : {});
    this.prepare();
  }

  /** How the network is split now: 'native' / 'reference' per stage, with layer counts. */
  describe(): { kind: Stage['kind']; layers: number }[] {
    return this.stages.map((s) => ({ kind: s.stage.kind, layers: s.stage.layers.length }));
  }

  async runValues(feeds: ReadonlyMap<string, RuntimeValue>): Promise<Map<string, RuntimeValue>> {
    for (;;) {
      try {
        return await this.runOnce(feeds);
      } catch (e) {
        if (!(e instanceof Restage)) throw e;
        this.forceReference.add(e.layer);
        await this.dispose();
        this.prepare();
      }
    }
  }

  /** Frees every created program; a later run creates them again. */
  async dispose(): Promise<void> {
    const runners = this.stages.flatMap((s) => [...s.programs.values()].map((entry) => entry.runner));
    for (const s of this.stages) s.programs.clear();
    await Promise.all(runners.map((r) => r.dispose()));
  }

  private prepare(): void {
    const support = this.options.backend.support.bind(this.options.backend);
    this.stages = splitStages(this.network, this.constants, this.forceReference, support).map((stage) => ({
      stage,
      ...(stage.kind === 'reference' ? { network: stageAsNetwork(this.network, stage) } : {}),
      programs: new Map(),
    }));
  }

  private async runOnce(feeds: ReadonlyMap<string, RuntimeValue>): Promise<Map<string, RuntimeValue>> {
    const feedShapes = new Map<string, readonly number[]>();
    for (const [name, v] of feeds) if (v instanceof Tensor) feedShapes.set(name, v.shape);
    const useTactics = tacticsApply(this.options, feedShapes);
    const values = new Map<string, RuntimeValue>(feeds);
    // Stages read their constants as weights; only a network output can be a constant itself.
    for (const name of this.network.outputs) {
      const constant = this.constants.get(name);
      if (constant) values.set(name, constant);
    }
    for (const prepared of this.stages) {
      const { stage } = prepared;
      if (prepared.network) {
        const feedsOf = new Map(stage.inputs.map((n) => [n, values.get(n)!]));
        const network = prepared.network;
        for (const [name, v] of withResourceLimits(this.options.limits, () => this.reference.runValues(network, feedsOf))) {
          values.set(name, v);
        }
        continue;
      }
      const inputs = stage.inputs.map((n) => {
        const v = values.get(n);
        if (!(v instanceof Tensor)) {
          throw new KilnError(ErrorCode.RUNTIME_ERROR, `native stage input '${n}' is ${v ? v.toString() : 'missing'}, not a tensor`);
        }
        return v;
      });
      const entry = await this.programFor(prepared, inputs, useTactics);
      const program = entry.compiled.program;
      inputs.forEach((t, i) => {
        const expected = program.values[program.inputs[i]!]!.dtype;
        if (t.dtype !== expected) {
          throw new KilnError(
            ErrorCode.RUNTIME_ERROR,
            `native stage input '${stage.inputs[i]}' is ${t.dtype}; its program reads ${expected}`,
          );
        }
      });
      const outputs = await entry.runner.run(inputs.map((t) => t.data as ProgramData));
      entry.compiled.outputNames.forEach((name, i) => {
        const value = program.values[program.outputs[i]!]!;
        values.set(name, new Tensor(value.dtype, value.shape, outputs[i]!));
      });
    }
    return new Map(this.network.outputs.map((o) => [o, values.get(o)!]));
  }

  /** Every activation a native program will hold is a tensor: it answers to the tensor limits, named by the layer that writes it. */
  private checkValueSizes(compiled: CompiledStage): void {
    const writer = new Map<number, string>();
    compiled.program.ops.forEach((op, i) => {
      const written = op as { y?: unknown; ys?: unknown };
      const ys = Array.isArray(written.ys) ? written.ys : [written.y];
      for (const y of ys) if (typeof y === 'number' && compiled.opLayers[i]) writer.set(y, compiled.opLayers[i]!);
    });
    compiled.program.values.forEach((value, id) => {
      if (value.storage.kind === 'weight') return;
      const name = writer.get(id);
      const index = this.network.layers.findIndex((l) => (name === undefined ? l.outputs.includes(value.name) : l.name === name));
      const layer = this.network.layers[index];
      checkShapeSize(value.dtype, value.shape, layer ? { layer: { name: layer.name, kind: layer.kind, index } } : {});
    });
  }

  /** A layer of this stage that the backend refused: run it on the reference kernels instead. */
  private restageFor(prepared: PreparedStage, e: unknown): Restage | undefined {
    const layer = isKilnError(e, ErrorCode.UNSUPPORTED_LAYER) ? e.layer?.name : undefined;
    if (layer && !this.forceReference.has(layer) && prepared.stage.layers.some((l) => l.name === layer)) return new Restage(layer);
    return undefined;
  }

  private async programFor(prepared: PreparedStage, inputs: readonly Tensor[], useTactics: boolean): Promise<NativeEntry> {
    const key = `${useTactics ? 'tuned' : 'default'}:${inputs.map((t) => t.shape.join('x')).join(';')}`;
    const cached = prepared.programs.get(key);
    if (cached) return cached;
    const shapes = new Map(prepared.stage.inputs.map((n, i) => [n, inputs[i]!.shape as number[]]));
    const { limits } = this.options;
    let entry: NativeEntry;
    try {
      const options = useTactics ? this.options : { ...this.options, tactics: new Map<string, string>() };
      const compiled = withResourceLimits(limits, () => {
        const c = compileStage(this.network, prepared.stage, shapes, this.constants, options);
        this.checkValueSizes(c);
        return c;
      });
      entry = { compiled, runner: await this.options.backend.createProgram(compiled.program, limits) };
    } catch (e) {
      throw this.restageFor(prepared, e) ?? e;
    }
    const limit = this.options.maxShapesPerStage ?? 8;
    if (prepared.programs.size >= limit) {
      const oldest = prepared.programs.keys().next().value!;
      const evicted = prepared.programs.get(oldest)!.runner;
      prepared.programs.delete(oldest);
      await evicted.dispose();
    }
    prepared.programs.set(key, entry);
    return entry;
  }
}
