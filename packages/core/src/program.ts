/**
 * Program: the executable form of a built plan that native backends run in one call. The
 * engine lowers a Network (after the builder passes, for concrete input shapes) into a flat list
 * of ops over numbered values; a native executor (kiln_cpu.node, later kiln_cuda.node) creates
 * it once (copying and prepacking weights) and runs it many times, off the JavaScript thread.
 *
 * Every value is dense and row-major with a static shape and a dtype (PROGRAM_DTYPES): float32
 * for activations, integers and bool for index math, so a model's shape arithmetic and
 * keypoint decoding stay native. Where a value lives:
 *   - 'input':  the caller's feed number `index` (read-only; a typed array of the value's dtype);
 *   - 'weight': program.weights[index] (read-only, may be prepacked by the executor), a typed
 *               array of the value's dtype (PROGRAM_DTYPE_ARRAYS);
 *   - 'arena':  bytes [offset, offset + bytes·size) of the executor's activation arena, as the
 *               engine's memory planner placed it. Two values may overlap only when the
 *               planner made one a view of the other (reshape, concat slice) or when an op
 *               writes its output over an input it reads elementwise (in-place).
 * Outputs are copied out of the arena (or inputs/weights) into fresh buffers after the last op.
 *
 * Shapes use the layouts of the Network (NCHW for images). Executors may pick another layout
 * internally (the CUDA backend prefers NHWC) but must honour these logical shapes at the edges.
 *
 * What each op's fields mean (operand roles, attribute types, the output-shape rule and the
 * checks) is stated once, in program-ops/ (PROGRAM_OP_DESCRIPTORS); the validator, the
 * reference interpreter and the engine's operand tables derive from it.
 */
import type { ProgramOpOfDescriptor } from './program-ops/descriptor.js';
import type { PROGRAM_OP_DESCRIPTORS } from './program-ops/descriptors.js';

/** The element types a Program value may have; each op's descriptor says which it takes. */
export const PROGRAM_DTYPES = ['float32', 'int32', 'int64', 'int8', 'uint8', 'bool'] as const;
export type ProgramDType = (typeof PROGRAM_DTYPES)[number];

/** The typed array that holds each dtype's elements (bool: one byte, 0 or 1). */
export const PROGRAM_DTYPE_ARRAYS = {
  float32: Float32Array,
  int32: Int32Array,
  int64: BigInt64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as const;

/** Any value's data: a feed, a weight or an output (its class per PROGRAM_DTYPE_ARRAYS). */
export type ProgramData = Float32Array | Int32Array | BigInt64Array | Int8Array | Uint8Array;

export function isProgramDType(dtype: unknown): dtype is ProgramDType {
  return (PROGRAM_DTYPES as readonly unknown[]).includes(dtype);
}

/** Bytes per element of each dtype (the arena layout). */
export function programDTypeBytes(dtype: ProgramDType): number {
  return PROGRAM_DTYPE_ARRAYS[dtype].BYTES_PER_ELEMENT;
}

export type ProgramStorage = { kind: 'input'; index: number } | { kind: 'weight'; index: number } | { kind: 'arena'; offset: number };

export interface ProgramValue {
  /** The Network tensor this value holds (for errors and debugging). */
  name: string;
  dtype: ProgramDType;
  shape: number[];
  storage: ProgramStorage;
}

/**
 * Binary elementwise ops with numpy broadcasting; y's shape is the broadcast of a's and b's.
 * 'prelu' is a ≥ 0 ? a : a·b (ONNX PRelu, b the slope); 'mod' takes the divisor's sign
 * (Python), 'fmod' the dividend's (C). On integers 'div' truncates toward zero, and a division
 * or remainder by zero gives 0 (executors never trap); 'pow' and 'prelu' are float-only.
 */
export const PROGRAM_BINARY_OPS = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'prelu', 'mod', 'fmod'] as const;
export type ProgramBinaryOp = (typeof PROGRAM_BINARY_OPS)[number];

/** Comparisons: y (bool) = a ∘ b with numpy broadcasting. */
export const PROGRAM_COMPARE_OPS = ['equal', 'less', 'less_equal', 'greater', 'greater_equal'] as const;
export type ProgramCompareOp = (typeof PROGRAM_COMPARE_OPS)[number];

/** Float unary ops (ONNX semantics; 'round' is half to even). */
export const PROGRAM_UNARY_OPS = [
  'abs',
  'neg',
  'exp',
  'log',
  'sqrt',
  'reciprocal',
  'sin',
  'cos',
  'tan',
  'erf',
  'floor',
  'ceil',
  'round',
  'sign',
] as const;
export type ProgramUnaryOp = (typeof PROGRAM_UNARY_OPS)[number];

/** Fields every op may carry besides its own. */
export interface ProgramOpCommon {
  /** The Network layer the op was lowered from, so errors and profiles name layers. */
  label?: string;
  /**
   * The implementation the builder chose (executors list theirs in `tactics(op)`; absent = the
   * executor's own choice).
   */
  tactic?: string;
}

/**
 * One step: the op type its descriptor's family file declares (program-ops/), with the common
 * fields. Operands are indices into Program.values; `activation` fields are fused epilogues
 * (ActivationSpec meanings from layers.ts).
 */
export type ProgramOp = {
  [K in keyof ProgramOpDescriptors]: ProgramOpOfDescriptor<ProgramOpDescriptors[K]>;
}[keyof ProgramOpDescriptors];

type ProgramOpDescriptors = typeof PROGRAM_OP_DESCRIPTORS;

export type ProgramOpKind = ProgramOp['op'];

export interface Program {
  values: ProgramValue[];
  /** Weight tensors (row-major, typed by the values that reference them), for 'weight' storage. */
  weights: ProgramData[];
  ops: ProgramOp[];
  /** Value ids of the feeds, in feed order (their storage is 'input' with that index). */
  inputs: number[];
  /** Value ids returned by run, in order. */
  outputs: number[];
  /** Bytes of activation arena the executor allocates (per execution context). */
  arenaBytes: number;
}
