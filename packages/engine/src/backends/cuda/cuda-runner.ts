/**
 * One CUDA execution context. The plan's network is lowered for the shapes of the first feeds
 * (and again for any new shapes, cached by shape); each native stage becomes a CudaProgram owned
 * by this runner (its own stream and activation memory), and stages that do not lower run on
 * the reference kernels in between, tensors crossing through the programs' pinned buffers.
 */
import { ErrorCode, KilnError, type Network, type ProgramData, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor, type RuntimeValue } from '@kiln-inference/cpu-runtime';
import type { CudaProgram, CudaProgramOptions } from '@kiln-inference/cuda-runtime';
import type { BackendRunner } from '../../backend.js';
import type { CompileOptions } from '../../lowering/compile-stage.js';
import { lowerNetwork } from '../../lowering/lower-network.js';
import { stageAsNetwork } from '../../lowering/stage-network.js';
import { cudaRuntime } from './cuda-runtime-module.js';

type RunnableStage =
  | { kind: 'program'; program: CudaProgram; inputNames: string[]; outputNames: string[] }
  | { kind: 'layer'; network: Network; inputNames: string[]; outputNames: string[] };

export interface CudaRunnerOptions {
  program: CudaProgramOptions;
  compile?: CompileOptions;
}

export class CudaRunner implements BackendRunner {
  readonly offThread = true;
  private readonly compiled = new Map<string, Promise<RunnableStage[]>>();
  private readonly reference = new ReferenceExecutor();
  private disposed = false;

  constructor(
    private readonly network: Network,
    private readonly options: CudaRunnerOptions,
  ) {}

  async run(feeds: Map<string, RuntimeValue>): Promise<Map<string, RuntimeValue>> {
    if (this.disposed)
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'this CUDA execution context was disposed', {
        hint: 'create a new execution context',
      });
    const shapes = new Map<string, readonly number[]>();
    for (const input of this.network.inputs) {
      const value = feeds.get(input.name);
      if (!(value instanceof Tensor)) {
        throw new KilnError(ErrorCode.MISSING_FEED, `input '${input.name}' needs a tensor`, {
          hint: `feed every input: ${this.network.inputs.map((i) => i.name).join(', ')}`,
        });
      }
      shapes.set(input.name, value.shape);
    }
    const stages = await this.stagesFor(shapes);
    const values = new Map<string, RuntimeValue>(feeds);
    for (const stage of stages) {
      if (stage.kind === 'layer') {
        const stageFeeds = new Map(stage.inputNames.map((n) => [n, values.get(n) as RuntimeValue]));
        for (const [name, value] of this.reference.runValues(stage.network, stageFeeds)) values.set(name, value);
        continue;
      }
      const inputs = stage.inputNames.map((name, i) => {
        const t = values.get(name);
        const dtype = stage.program.inputs[i]?.dtype;
        if (!(t instanceof Tensor) || t.dtype !== dtype) {
          throw new KilnError(ErrorCode.FEED_DTYPE_MISMATCH, `'${name}' must be a ${dtype} tensor for its CUDA stage`, {
            hint: `cast the input to ${dtype}`,
          });
        }
        return t.data as ProgramData;
      });
      const outputs = await stage.program.run(inputs);
      for (const [i, name] of stage.outputNames.entries()) {
        const value = stage.program.outputs[i]!;
        values.set(name, new Tensor(value.dtype, value.shape, outputs[i]!));
      }
    }
    return new Map(this.network.outputs.map((name) => [name, values.get(name) as RuntimeValue]));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const all = await Promise.allSettled(this.compiled.values());
    this.compiled.clear();
    for (const r of all) {
      if (r.status !== 'fulfilled') continue;
      for (const stage of r.value) if (stage.kind === 'program') await stage.program.dispose();
    }
  }

  private stagesFor(shapes: Map<string, readonly number[]>): Promise<RunnableStage[]> {
    const key = [...shapes].map(([n, s]) => `${n}:${s.join('x')}`).join(';');
    let stages = this.compiled.get(key);
    if (!stages) {
      stages = this.compile(shapes);
      this.compiled.set(key, stages);
      stages.catch(() => this.compiled.delete(key));
    }
    return stages;
  }

  private async compile(shapes: Map<string, readonly number[]>): Promise<RunnableStage[]> {
    const lowered = lowerNetwork(this.network, shapes, { ...this.options.compile, target: 'cuda' });
    const stages: RunnableStage[] = [];
    try {
      for (const stage of lowered.stages) {
        if (stage.kind === 'layer') {
          const network = stageAsNetwork(this.network, {
            kind: 'reference',
            layers: stage.layers,
            inputs: stage.inputNames,
            outputs: stage.outputNames,
          });
          stages.push({ kind: 'layer', network, inputNames: stage.inputNames, outputNames: stage.outputNames });
          continue;
        }
        const program = await cudaRuntime().CudaProgram.create(stage.program, this.options.program);
        stages.push({
          kind: 'program',
          program,
          inputNames: stage.inputNames,
          outputNames: stage.outputNames,
        });
      }
    } catch (e) {
      for (const s of stages) if (s.kind === 'program') await s.program.dispose();
      throw e;
    }
    return stages;
  }
}
