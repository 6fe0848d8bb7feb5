/**
 * The value ids an op reads and writes, and a copy of an op with its ids mapped: the engine's
 * names for the operand access @kiln-inference/core derives from the Program op descriptors.
 */
import { mapProgramOpOperands, type ProgramOp, type ProgramOpOperands, programOpOperands } from '@kiln-inference/core';

export function opOperands(op: ProgramOp): ProgramOpOperands {
  return programOpOperands(op);
}

export function withOperands(op: ProgramOp, map: (id: number) => number): ProgramOp {
  return mapProgramOpOperands(op, map);
}
