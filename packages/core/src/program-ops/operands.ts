/**
 * The value ids an op reads and writes, from its descriptor's operand list: what the engine's
 * tactic tables and memory bookkeeping, and the reference interpreter, use instead of per-op
 * field lists.
 */
import { ErrorCode, KilnError } from '../errors.js';
import type { ProgramOp, ProgramOpKind } from '../program.js';
import type { ProgramOperandSpec } from './descriptor.js';
import { type PROGRAM_OP_DESCRIPTORS, programOpDescriptor } from './descriptors.js';

export interface ProgramOpOperands {
  /** Ids the op reads, in descriptor order (a list operand's ids in place); absent optionals skipped. */
  inputs: number[];
  output: number;
}

type Specs<K extends ProgramOpKind> = (typeof PROGRAM_OP_DESCRIPTORS)[K]['operands'][number];
type ValueOf<S, T> = S extends { list: true } ? T[] : S extends { optional: true } ? T | undefined : T;

/** One T per operand field of op kind K (a T[] for list operands, T | undefined for optional ones). */
export type ProgramOperandValues<K extends ProgramOpKind, T> = { [S in Specs<K> as S['field']]: ValueOf<S, T> };

function specs(op: ProgramOp): readonly ProgramOperandSpec[] {
  const d = programOpDescriptor(op?.op);
  if (!d) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `unknown program op kind '${String(op?.op)}'`, {
      hint: 'see PROGRAM_OP_DESCRIPTORS in @kiln-inference/core',
    });
  }
  return d.operands;
}

export function programOpOperands(op: ProgramOp): ProgramOpOperands {
  const record = op as unknown as Record<string, unknown>;
  const inputs: number[] = [];
  let output = -1;
  for (const spec of specs(op)) {
    const v = record[spec.field];
    if (spec.role === 'output') output = v as number;
    else if (spec.list) inputs.push(...(v as number[]));
    else if (v !== undefined) inputs.push(v as number);
  }
  return { inputs, output };
}

/** A copy of `op` with every operand id (inputs and output) replaced by `map(id)`. */
export function mapProgramOpOperands<O extends ProgramOp>(op: O, map: (id: number) => number): O {
  const copy = { ...op } as unknown as Record<string, unknown>;
  for (const spec of specs(op)) {
    const v = copy[spec.field];
    if (v === undefined) continue;
    copy[spec.field] = spec.list ? (v as number[]).map(map) : map(v as number);
  }
  return copy as unknown as O;
}

/** Each operand field of `op` with `read(id)`, typed per kind (what an interpreter evaluates on). */
export function readProgramOperands<K extends ProgramOpKind, T>(
  op: Extract<ProgramOp, { op: K }>,
  read: (id: number) => T,
): ProgramOperandValues<K, T> {
  const record = op as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const spec of specs(op)) {
    const v = record[spec.field];
    if (spec.role === 'output') continue;
    out[spec.field] = v === undefined ? undefined : spec.list ? (v as number[]).map(read) : read(v as number);
  }
  return out as ProgramOperandValues<K, T>;
}
