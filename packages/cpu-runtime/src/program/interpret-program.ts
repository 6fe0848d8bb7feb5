/**
 * The reference interpreter of a Program (@kiln-inference/core program.ts): each op runs through the
 * TypeScript reference kernel of the equivalent layer, reading and writing the values' real
 * storage (caller inputs, weights, one arena), so views and in-place placements behave as they
 * will natively. It is the oracle native Program executors (CPU and CUDA) are tested against,
 * and what tests of the lowering use where no native addon is built. Slow by design.
 */
import {
  ErrorCode,
  KilnError,
  PROGRAM_DTYPE_ARRAYS,
  type Program,
  type ProgramData,
  type ProgramOp,
  type ProgramOpKind,
  type ProgramValue,
  programDTypeBytes,
  programOpOperands,
  readProgramOperands,
  Tensor,
} from '@kiln-inference/core';
import type { Evaluator, EvaluatorTable } from './evaluator.js';
import { convolutionEvaluators } from './evaluators/convolution.js';
import { dataMovementEvaluators } from './evaluators/data-movement.js';
import { elementwiseEvaluators } from './evaluators/elementwise.js';
import { indexingEvaluators } from './evaluators/indexing.js';
import { matmulEvaluators } from './evaluators/matmul.js';
import { normalizationEvaluators } from './evaluators/normalization.js';
import { poolingEvaluators } from './evaluators/pooling.js';

/** Every op kind's evaluator, from the family files (a kind without one is a compile error). */
const EVALUATORS: EvaluatorTable = {
  ...convolutionEvaluators,
  ...dataMovementEvaluators,
  ...elementwiseEvaluators,
  ...indexingEvaluators,
  ...matmulEvaluators,
  ...normalizationEvaluators,
  ...poolingEvaluators,
};

/**
 * One op's output computed from its operand tensors (`read` gives the tensor of a value id),
 * by the reference kernel of the equivalent layer. Its shape is what the kernels computed,
 * which the caller compares with y's.
 */
export function evaluateProgramOp(op: ProgramOp, read: (id: number) => Tensor, y: Pick<ProgramValue, 'shape' | 'dtype'>): Tensor {
  const evaluate = EVALUATORS[op.op] as Evaluator<ProgramOpKind> | undefined;
  if (!evaluate) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `unknown program op kind '${String((op as { op?: unknown }).op)}'`);
  return evaluate(op as never, readProgramOperands(op, read) as never, y.shape, y.dtype);
}

/** "op 3 (conv2d) of layer 'conv1'": how interpreter errors name an op. */
function opName(op: ProgramOp, index: number): string {
  return `op ${index} (${op.op})${op.label ? ` of layer '${op.label}'` : ''}`;
}

/**
 * Runs a program once on the given inputs (a typed array of each input value's dtype); returns
 * fresh output buffers in program.outputs order.
 */
export function interpretProgram(program: Program, inputs: readonly ProgramData[]): ProgramData[] {
  const arena = new ArrayBuffer(Math.ceil(program.arenaBytes / 8) * 8);
  const size = (v: ProgramValue) => v.shape.reduce((a, b) => a * b, 1);
  const view = (id: number): ProgramData => {
    const v = program.values[id];
    if (!v) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `program value ${id} does not exist`);
    const n = size(v);
    const s = v.storage;
    if (s.kind === 'input') return inputs[s.index]!.subarray(0, n);
    if (s.kind === 'weight') return program.weights[s.index]!.subarray(0, n);
    const bytes = programDTypeBytes(v.dtype);
    if (s.offset % bytes !== 0 || s.offset + bytes * n > arena.byteLength) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `value '${v.name}' lies outside the arena`);
    }
    return new PROGRAM_DTYPE_ARRAYS[v.dtype](arena, s.offset, n);
  };
  // Operands are copied out before the output is written, so in-place placements are safe here.
  const get = (id: number) => new Tensor(program.values[id]!.dtype, program.values[id]!.shape, view(id).slice());
  program.ops.forEach((op, index) => {
    const y = programOpOperands(op).output;
    const yValue = program.values[y];
    const where = { layer: { name: op.label ?? yValue?.name ?? `op ${index}`, kind: op.op, index } };
    if (yValue?.storage.kind !== 'arena') {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${opName(op, index)} writes a value that is not in the arena`, where);
    }
    const result = evaluateProgramOp(op, get, yValue);
    const target = view(y);
    if (result.size !== target.length || result.dtype !== yValue.dtype) {
      throw new KilnError(
        ErrorCode.INTERNAL,
        `${opName(op, index)} computed ${result.size} ${result.dtype} elements for '${yValue.name}' ${yValue.dtype} [${yValue.shape.join(',')}]`,
        where,
      );
    }
    (target as Float32Array).set(result.data as Float32Array);
  });
  return program.outputs.map((id) => view(id).slice());
}
