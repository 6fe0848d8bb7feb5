/** The dtype sets operand specs name (descriptor.ts ProgramOperandDType). */
import { PROGRAM_DTYPES, type ProgramDType } from '../program.js';

export const ANY_DTYPE: readonly ProgramDType[] = PROGRAM_DTYPES;
/** Arithmetic on these is native: float math plus the integer index math of shape and keypoint code. */
export const ARITHMETIC_DTYPES: readonly ProgramDType[] = ['float32', 'int32', 'int64'];
/** Ordered types (comparisons, arg max/min). */
export const NUMERIC_DTYPES: readonly ProgramDType[] = ['float32', 'int32', 'int64', 'int8', 'uint8'];
export const INDEX_DTYPES: readonly ProgramDType[] = ['int32', 'int64'];
export const BOOL_DTYPE: readonly ProgramDType[] = ['bool'];
