/**
 * Network → Programs for given input shapes, all at once: how a network lowers for a target
 * (benchmarks and tests inspect it; execution contexts compile stage by stage in the staged
 * runner instead). Stages that cannot lower stay 'layer' stages for the caller to run elsewhere.
 * Every shape, past reference stages too, comes from the LayerDefs: no kernel runs to learn one.
 */
import {
  type AnyLayer,
  ErrorCode,
  inferNetwork,
  isStaticShape,
  KilnError,
  type Network,
  type Program,
  type ValueFacts,
} from '@kiln-inference/core';
import { type CompileOptions, compileStage } from './compile-stage.js';
import { layerReads, networkConstants, splitStages } from './stages.js';

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
  // Declared intermediate dims were worked out for the declared input dims, not these: inference alone.
  const facts = inferNetwork(network, { shapes: inputShapes, declared: 'ignore' });
  const shapes = new Map<string, number[]>();
  for (const [name, s] of inputShapes) shapes.set(name, [...s]);
  const stages: LoweredStage[] = [];
  for (const stage of splitStages(network, constants, dataDependentLayers(network, facts), options.target)) {
    if (stage.kind === 'reference') {
      for (const name of stage.outputs) {
        const s = facts.get(name)?.shape;
        if (s && isStaticShape(s)) shapes.set(name, [...s]);
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

/**
 * Layers that read or write a tensor whose shape is not static for these input shapes: sizes
 * that depend on data (non_zero, a reshape to a computed shape) are unknown until run time, so
 * these layers and everything downstream of them stay on the reference kernels, which size
 * their outputs as they run.
 */
function dataDependentLayers(network: Network, facts: ReadonlyMap<string, ValueFacts>): Set<string> {
  const isStatic = (name: string) => {
    const f = facts.get(name);
    return f?.valueKind !== 'sequence' && f?.shape != null && isStaticShape(f.shape);
  };
  const dynamic = new Set<string>();
  for (const layer of network.layers) {
    if (layer.kind === 'constant') continue;
    const touched = [...layerReads(layer), ...layer.outputs].filter((n) => n && network.tensors.has(n));
    if (!touched.every(isStatic)) dynamic.add(layer.name);
  }
  return dynamic;
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
