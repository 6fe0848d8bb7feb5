/** The value ids an op reads and writes, and a copy of an op with its ids mapped. */
import type { ProgramOp, ProgramOpKind } from '@kiln/core';

/** Fields of each op kind that hold value ids read by the op (concat's `inputs` list aside). */
const INPUT_FIELDS: Record<ProgramOpKind, readonly string[]> = {
  conv2d: ['x', 'w', 'b', 'residual'],
  gemm: ['a', 'b', 'bias'],
  batched_matmul: ['a', 'b'],
  pool2d: ['x'],
  global_pool: ['x'],
  binary: ['a', 'b'],
  activation: ['x'],
  unary: ['x'],
  deconv2d: ['x', 'w', 'b'],
  channel_affine: ['x', 'scale', 'shift'],
  softmax: ['x'],
  concat: [],
  copy: ['x'],
  transpose: ['x'],
  lrn: ['x'],
  pad: ['x'],
  slice: ['x'],
  resize2d: ['x'],
};

export function opOperands(op: ProgramOp): { inputs: number[]; output: number } {
  const record = op as unknown as Record<string, unknown>;
  const inputs: number[] = [];
  for (const f of INPUT_FIELDS[op.op]) if (typeof record[f] === 'number') inputs.push(record[f] as number);
  if (op.op === 'concat') inputs.push(...op.inputs);
  return { inputs, output: op.y };
}

export function withOperands(op: ProgramOp, map: (id: number) => number): ProgramOp {
  const copy = { ...op } as unknown as Record<string, unknown>;
  for (const f of [...INPUT_FIELDS[op.op], 'y']) if (typeof copy[f] === 'number') copy[f] = map(copy[f] as number);
  if (op.op === 'concat') copy.inputs = op.inputs.map(map);
  return copy as unknown as ProgramOp;
}
