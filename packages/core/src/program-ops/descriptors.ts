/**
 * The descriptor of every Program op kind. `satisfies` makes a kind without a descriptor a
 * compile error while each entry keeps its exact operand list (for typed operand access).
 */
import type { ProgramOpKind } from '../program.js';
import { conv2d, deconv2d } from './convolution.js';
import { concat, copy, pad, resize2d, slice, transpose } from './data-movement.js';
import type { ProgramOpDescriptor } from './descriptor.js';
import { activation, binary, cast, channel_affine, compare, unary, where } from './elementwise.js';
import { arg_reduce, gather, gather_nd } from './indexing.js';
import { batched_matmul, gemm } from './matmul.js';
import { lrn, softmax } from './normalization.js';
import { global_pool, pool2d } from './pooling.js';

export const PROGRAM_OP_DESCRIPTORS = {
  conv2d,
  gemm,
  batched_matmul,
  pool2d,
  global_pool,
  binary,
  compare,
  where,
  cast,
  gather,
  gather_nd,
  arg_reduce,
  activation,
  unary,
  deconv2d,
  channel_affine,
  softmax,
  concat,
  copy,
  transpose,
  lrn,
  pad,
  slice,
  resize2d,
} as const satisfies { readonly [K in ProgramOpKind]: ProgramOpDescriptor<K> };

/** The descriptor of a kind, or undefined for a string that names no op (a malformed Program). */
export function programOpDescriptor(kind: unknown): ProgramOpDescriptor | undefined {
  if (typeof kind !== 'string' || !Object.hasOwn(PROGRAM_OP_DESCRIPTORS, kind)) return undefined;
  return PROGRAM_OP_DESCRIPTORS[kind as ProgramOpKind] as unknown as ProgramOpDescriptor;
}
