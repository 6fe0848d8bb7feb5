/**
 * Network → Programs for given input shapes, all at once: what a backend without a
 * reference fallback of its own (CUDA) compiles per execution context. Stages that cannot
 * lower stay 'layer' stages for the caller to run elsewhere (the partitioner normally keeps
 * them out of CUDA engines entirely).
 */
import { type AnyLayer, ErrorCode, KilnError, type Network, type Program, Tensor } from '@kiln/core';
import { ReferenceExecutor } from '@kiln/cpu-runtime';
import { type CompileOptions, compileStage } from './compile-stage.js';
import { stageAsNetwork } from './stage-network.js';
import { networkConstants, splitStages } from './stages.js';

export type LoweredStage =
  | { kind: 'program'; program: Program; inputNames: string[]; outputNames: string[]; layerNames: string[] }
  | { kind: 'layer'; layers: AnyLayer[]; inputNames: string[]; outputNames: string[] };

export interface LoweredNetwork {
  stages: LoweredStage[];
  /** Static shape of every tensor the programs touch. */
  shapes: Map<string, number[]>;
}

export function lowerNetwork(
  network: Network,
  inputShapes: ReadonlyMap<string, readonly number[]>,
  compile: CompileOptions = {},
): LoweredNetwork {
  const options = tacticsApply(compile, inputShapes) ? compile : { ...compile, tactics: new Map<string, string>() };
  const constants = networkConstants(network);
  const shapes = new Map<string, number[]>();
  for (const [name, s] of inputShapes) shapes.set(name, [...s]);
  const stages: LoweredStage[] = [];
  for (const stage of splitStages(network, constants, new Set(), options.target)) {
    if (stage.kind === 'reference') {
      // Shapes past a reference stage come from running it on placeholders of the right shapes.
      const feeds = new Map(stage.inputs.map((n) => [n, Tensor.zeros(network.tensor(n).dtype, shapeOf(shapes, n))]));
      for (const [name, value] of new ReferenceExecutor().runValues(stageAsNetwork(network, stage), feeds)) {
        if (value instanceof Tensor) shapes.set(name, [...value.shape]);
      }
      stages.push({ kind: 'layer', layers: stage.layers, inputNames: stage.inputs, outputNames: stage.outputs });
      continue;
    }
    const stageShapes = new Map(stage.inputs.map((n) => [n, shapeOf(shapes, n)]));
    const compiled = compileStage(network, stage, stageShapes, constants, options);
    compiled.program.outputs.forEach((id, i) => {
      shapes.set(compiled.outputNames[i]!, compiled.program.values[id]!.shape);
    });
    stages.push({
      kind: 'program',
      program: compiled.program,
      inputNames: compiled.inputNames,
      outputNames: compiled.outputNames,
      layerNames: stage.layers.map((l) => l.name),
    });
  }
  return { stages, shapes };
}

function shapeOf(shapes: ReadonlyMap<string, number[]>, name: string): number[] {
  const s = shapes.get(name);
  if (!s) throw new KilnError(ErrorCode.INVALID_SHAPE, `no shape known for '${name}'`, { hint: 'pass a shape for every network input' });
  return s;
}

/** Whether chosen tactics apply to a run with these network input shapes (the shapes they were timed for). */
export function tacticsApply(options: CompileOptions, inputShapes: ReadonlyMap<string, readonly number[]>): boolean {
  if (!options.tactics?.size || !options.tacticShapes) return true;
  for (const [name, tuned] of options.tacticShapes) {
    const actual = inputShapes.get(name);
    if (!actual || actual.length !== tuned.length || actual.some((d, i) => d !== tuned[i])) return false;
  }
  return true;
}
