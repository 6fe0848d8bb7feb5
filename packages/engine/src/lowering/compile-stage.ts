/**
 * One native stage → one Program, for the actual shapes of the stage's inputs: lower every
 * layer, fuse trailing activations into their producers, place the activations with the memory
 * planner, drop the copies the plan made unnecessary, and number the weights.
 */
import {
  type ActivationSpec,
  ErrorCode,
  isProgramDType,
  KilnError,
  type Network,
  PROGRAM_DTYPES,
  type Program,
  type ProgramData,
  type ProgramDType,
  type ProgramOp,
  type ProgramStorage,
  type Tensor,
} from '@kiln-inference/core';
import type { MemoryPlan } from '../memory/memory-plan.js';
import { planMemory } from '../memory/plan-memory.js';
import { opOperands } from '../tactics/op-operands.js';
import { loweringError, lowerOf, lowerWithLayerContext } from './lowerer.js';
import { lowerers } from './lowerers/index.js';
import { finalizeValues, type PendingOp, ProgramAssembler } from './program-assembler.js';
import type { NativeTarget } from './program-support.js';
import { stageAsNetwork } from './stage-network.js';
import type { Stage } from './stages.js';

export interface CompileOptions {
  /** The backend the programs are for: the CUDA executor holds float32 values only so far. Default 'cpu'. */
  target?: NativeTarget;
  /** Implementation per layer name (conv2d/gemm ops), from the builder's tactic selection. */
  tactics?: ReadonlyMap<string, string>;
  /** Network input shapes the tactics were chosen for; runs with other shapes ignore them. */
  tacticShapes?: ReadonlyMap<string, readonly number[]>;
  alignment?: number;
  /** Scratch bytes each layer needs with its tactic, for the workspace bound. */
  workspace?: ReadonlyMap<string, number>;
  maxWorkspaceSize?: number;
}

export interface CompiledStage {
  program: Program;
  /** Network tensors fed to program.inputs, in order (the stage's inputs). */
  inputNames: string[];
  /** Network tensors returned by program.outputs, in order (the stage's outputs). */
  outputNames: string[];
  memory: MemoryPlan;
  /** Layer name of each program op (tactic timing, profiles, errors). */
  opLayers: string[];
}

/** Ops with several implementations, chosen per op by the builder's tactic selection. */
export const TACTIC_OPS = new Set<ProgramOp['op']>(['conv2d', 'deconv2d', 'gemm', 'batched_matmul']);

/** Ops that can take a fused activation, when they have none yet. */
function acceptsActivation(op: ProgramOp): op is Extract<ProgramOp, { activation?: ActivationSpec }> {
  return (op.op === 'conv2d' || op.op === 'gemm' || op.op === 'binary' || op.op === 'channel_affine') && !op.activation;
}

export function compileStage(
  network: Network,
  stage: Stage,
  inputShapes: ReadonlyMap<string, readonly number[]>,
  constants: ReadonlyMap<string, Tensor>,
  options: CompileOptions = {},
): CompiledStage {
  const asm = new ProgramAssembler(constants, (t) => programDType(network.tensors.get(t)?.dtype ?? constants.get(t)?.dtype, t));
  for (const name of stage.inputs) {
    const shape = inputShapes.get(name);
    if (!shape) throw new KilnError(ErrorCode.INTERNAL, `no shape for stage input '${name}'`);
    asm.setShape(name, shape);
  }
  for (const [name, t] of constants) asm.setShape(name, t.shape as number[]);
  const opLayer: string[] = [];
  for (const layer of stage.layers) {
    const lower = lowerOf(lowerers[layer.kind]);
    if (!lower) throw loweringError(layer, `no lowering for '${layer.kind}' layers`);
    const before = asm.ops.length;
    asm.lowerLayer(layer.name, () => lowerWithLayerContext(layer, () => lower(layer, asm)));
    for (let i = before; i < asm.ops.length; i++) opLayer.push(layer.name);
  }
  const keep = new Set([...stage.outputs]);
  const ops = fuseActivations(asm, keep, opLayer);

  // The planner reads the shapes the lowering computed; the stage network supplies liveness.
  const memory = planMemory(stageAsNetwork(network, stage), {
    shapes: asm.shapes,
    ...(options.alignment ? { alignment: options.alignment } : {}),
    ...(options.workspace ? { workspace: options.workspace } : {}),
    ...(options.maxWorkspaceSize !== undefined ? { maxWorkspaceSize: options.maxWorkspaceSize } : {}),
  });

  const weights: ProgramData[] = [];
  const weightIndex = new Map<string, number>();
  const inputIndex = new Map(stage.inputs.map((n, i) => [n, i]));
  const storageOf = (tensor: string): ProgramStorage => {
    const root = memory.externalViews[tensor] ?? tensor;
    const input = inputIndex.get(root);
    if (input !== undefined) return { kind: 'input', index: input };
    // A constant that became a value has a Program dtype (asm.dtype checked it): its storage is that typed array.
    const data = asm.weightData.get(root) ?? (constants.get(root)?.data as ProgramData | undefined);
    if (data) {
      let index = weightIndex.get(root);
      if (index === undefined) {
        index = weights.length;
        weights.push(data);
        weightIndex.set(root, index);
      }
      return { kind: 'weight', index };
    }
    const placement = memory.placements[tensor];
    if (!placement) throw new KilnError(ErrorCode.INTERNAL, `the memory plan did not place '${tensor}'`);
    return { kind: 'arena', offset: placement.offset };
  };

  const isView = (t: string) => memory.placements[t]?.viewOf !== undefined || memory.externalViews[t] !== undefined;
  const eliminated = new Set(memory.inPlaceConcats);
  const kept: { op: ProgramOp; layer: string }[] = [];
  ops.forEach((p, i) => {
    if (p.elidableWhenView && isView(p.elidableWhenView)) return;
    if (p.elidableConcat && eliminated.has(p.elidableConcat)) return;
    const tactic = options.tactics?.get(opLayer[i]!);
    const op = tactic && TACTIC_OPS.has(p.op.op) ? ({ ...p.op, tactic } as ProgramOp) : p.op;
    kept.push({ op, layer: opLayer[i]! });
  });

  const inputs = stage.inputs.map((n) => asm.ref(n));
  const outputs = stage.outputs.map((n) => asm.ref(n));
  const values = finalizeValues(asm.values, storageOf);
  return {
    program: { values, weights, ops: kept.map((k) => k.op), inputs, outputs, arenaBytes: memory.arenaBytes },
    inputNames: [...stage.inputs],
    outputNames: [...stage.outputs],
    memory,
    opLayers: kept.map((k) => k.layer),
  };
}

/**
 * A tensor's dtype as a Program dtype (the storage of the two is the same typed array).
 * programSupport lets only these reach lowering; another one here is a lowering bug.
 */
function programDType(dtype: string | undefined, name: string): ProgramDType {
  const d = dtype ?? 'float32';
  if (!isProgramDType(d)) {
    throw new KilnError(ErrorCode.INTERNAL, `'${name}' is ${d}; native programs hold ${PROGRAM_DTYPES.join(', ')} only`);
  }
  return d;
}

/**
 * An activation right after the op that produced its input, where nothing else reads that
 * tensor, becomes the producer's epilogue (BatchNorm-as-scale + ReLU, add + ReLU …).
 */
function fuseActivations(asm: ProgramAssembler, keep: ReadonlySet<string>, opLayer: string[]): PendingOp[] {
  const readsOf = new Map<string, number>();
  const count = (v: number) => {
    const t = asm.values[v]!.tensor;
    readsOf.set(t, (readsOf.get(t) ?? 0) + 1);
  };
  for (const { op } of asm.ops) for (const v of opOperands(op).inputs) count(v);
  const out: PendingOp[] = [];
  const layers: string[] = [];
  asm.ops.forEach((p, i) => {
    const prev = out.at(-1);
    if (p.op.op === 'activation' && prev && acceptsActivation(prev.op) && !prev.elidableWhenView && !prev.elidableConcat) {
      const from = asm.values[p.op.x]!;
      const produced = asm.values[prev.op.y]!;
      if (
        from.tensor === produced.tensor &&
        from.shape.join() === produced.shape.join() &&
        readsOf.get(from.tensor) === 1 &&
        !keep.has(from.tensor) &&
        asm.values[p.op.y]!.shape.join() === produced.shape.join()
      ) {
        prev.op = { ...prev.op, y: p.op.y, activation: p.op.activation };
        return;
      }
    }
    out.push(p);
    layers.push(opLayer[i]!);
  });
  opLayer.splice(0, opLayer.length, ...layers);
  return out;
}
