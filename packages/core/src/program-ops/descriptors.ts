/**
 * The descriptor of every Program op kind: every descriptor each family file exports, keyed by
 * kind. ProgramOp is derived from this table, so an op exists once its family file exports its
 * descriptor (a new family file is added here).
 */
import type { ProgramOpKind } from '../program.js';
import * as convolution from './convolution.js';
import * as dataMovement from './data-movement.js';
import type { ProgramOpDescriptor } from './descriptor.js';
import * as elementwise from './elementwise.js';
import * as indexing from './indexing.js';
import * as matmul from './matmul.js';
import * as normalization from './normalization.js';
import * as pooling from './pooling.js';

export const PROGRAM_OP_DESCRIPTORS = {
  ...convolution,
  ...matmul,
  ...pooling,
  ...elementwise,
  ...indexing,
  ...normalization,
  ...dataMovement,
} as const;

/**
 * Every op kind, sorted (a module namespace's key order differs between runtimes and bundlers;
 * the native OpKind enum takes this order).
 */
export const PROGRAM_OP_KINDS = Object.keys(PROGRAM_OP_DESCRIPTORS).sort() as readonly ProgramOpKind[];

/** The descriptor of a kind, or undefined for a string that names no op (a malformed Program). */
export function programOpDescriptor(kind: unknown): ProgramOpDescriptor | undefined {
  if (typeof kind !== 'string' || !Object.hasOwn(PROGRAM_OP_DESCRIPTORS, kind)) return undefined;
  return (PROGRAM_OP_DESCRIPTORS as Record<string, unknown>)[kind] as ProgramOpDescriptor;
}
