/** Program op descriptors and what derives from them: operand access and the validator. */
export type {
  ProgramOpBodyShape,
  ProgramOpDescriptor,
  ProgramOperandRole,
  ProgramOperandSpec,
  ProgramOpField,
  ProgramOpOf,
  ProgramOutputRule,
} from './descriptor.js';
export { PROGRAM_OP_DESCRIPTORS, PROGRAM_OP_KINDS, programOpDescriptor } from './descriptors.js';
export { ANY_DTYPE, ARITHMETIC_DTYPES, BOOL_DTYPE, INDEX_DTYPES, NUMERIC_DTYPES } from './dtype-sets.js';
export { ProgramOpContext } from './op-context.js';
export type { ProgramOperandValues, ProgramOpOperands } from './operands.js';
export { mapProgramOpOperands, programOpOperands, readProgramOperands } from './operands.js';
export { checkProgramOp, validateProgram } from './validate-program.js';
