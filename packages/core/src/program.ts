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
import type { ActivationSpec } from './layers.js';

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
 * One step. Operands are indices into Program.values. `activation` fields are fused epilogues
 * (ActivationSpec meanings from layers.ts).
 */
export type ProgramOp = ProgramOpBody & ProgramOpCommon;

/** The op-specific fields of each op kind (ProgramOp adds the common ones). */
export type ProgramOpBody =
  /** NCHW conv, w [M, C/groups, kH, kW]; y = act(conv(x, w) + b + residual). */
  | {
      op: 'conv2d';
      x: number;
      w: number;
      b?: number;
      residual?: number;
      y: number;
      strides: [number, number];
      /** [top, left, bottom, right]. */
      pads: [number, number, number, number];
      dilations: [number, number];
      groups: number;
      activation?: ActivationSpec;
    }
  /**
   * y[M,N] = act(alpha·op(a)·op(b) + beta·bias), a [M,K] ([K,M] when transA), b [K,N] ([N,K]
   * when transB); bias broadcasts to [M,N] (numpy rules: [N], [1,N], [M,1] or [M,N]).
   */
  | {
      op: 'gemm';
      a: number;
      b: number;
      bias?: number;
      y: number;
      transA: boolean;
      transB: boolean;
      alpha: number;
      beta: number;
      activation?: ActivationSpec;
    }
  /** numpy matmul of rank ≥ 2 operands with broadcast batch dims (no transposes: the lowering adds them). */
  | { op: 'batched_matmul'; a: number; b: number; y: number }
  /**
   * 2-D NCHW pooling; y's shape already accounts for ceil mode. Windows are clipped to the
   * input; average divides by the window area (countIncludePad, pads counted, clipped at the
   * padded border) or by the valid element count.
   */
  | {
      op: 'pool2d';
      type: 'max' | 'average';
      x: number;
      y: number;
      window: [number, number];
      strides: [number, number];
      pads: [number, number, number, number];
      dilations: [number, number];
      countIncludePad: boolean;
    }
  /** Mean or max over the spatial dims of an N C spatial… tensor; y is [N, C, 1, …]. */
  | { op: 'global_pool'; type: 'max' | 'average'; x: number; y: number }
  /** `activation` only on float32 values. */
  | { op: 'binary'; type: ProgramBinaryOp; a: number; b: number; y: number; activation?: ActivationSpec }
  | { op: 'compare'; type: ProgramCompareOp; a: number; b: number; y: number }
  /** y = condition ? a : b, the three broadcast together (ONNX Where). */
  | { op: 'where'; condition: number; a: number; b: number; y: number }
  /**
   * y = x converted to y's dtype (ONNX Cast): float → integer truncates toward zero and
   * saturates at the type's range, NaN → 0 (never undefined behaviour); integer → narrower
   * integer wraps (two's complement); anything → bool is x ≠ 0.
   */
  | { op: 'cast'; x: number; y: number }
  /**
   * ONNX Gather along `axis`: y = x[…, indices[j…], …]; an index in [−n, 0) counts from the end,
   * and one outside [−n, n) gives zeros (never a read out of bounds).
   */
  | { op: 'gather'; x: number; indices: number; y: number; axis: number }
  /**
   * ONNX GatherND with batch_dims 0: indices [..., k] picks x's slices x[i0, …, ik−1]; an index
   * outside its dim (after the negative wrap) gives zeros.
   */
  | { op: 'gather_nd'; x: number; indices: number; y: number }
  /**
   * Index of the largest ('max') or smallest value along `axis`; y has x's shape with that axis
   * 1 (a view drops it). A scan from the first element replaces the best on a strictly better
   * value (better or equal with selectLastIndex): ties pick the first (last) index, and a NaN
   * never compares better, so it is picked only where it comes first.
   */
  | { op: 'arg_reduce'; type: 'max' | 'min'; x: number; y: number; axis: number; selectLastIndex: boolean }
  | { op: 'activation'; x: number; y: number; activation: ActivationSpec }
  | { op: 'unary'; type: ProgramUnaryOp; x: number; y: number }
  /**
   * 2-D transposed convolution (ONNX ConvTranspose), NCHW: x [N, C, H, W], w [C, M/groups, kH,
   * kW], y [N, M, OH, OW] with OH = (H−1)·sH − padTop − padBottom + dH·(kH−1) + 1 + outPadH
   * (y's shape gives it); y = act(deconv(x, w) + b).
   */
  | {
      op: 'deconv2d';
      x: number;
      w: number;
      b?: number;
      y: number;
      strides: [number, number];
      /** [top, left, bottom, right]. */
      pads: [number, number, number, number];
      dilations: [number, number];
      groups: number;
      activation?: ActivationSpec;
    }
  /** y = act(x·scale[c] + shift[c]) with c the index along `channelAxis`; scale/shift each optional. */
  | { op: 'channel_affine'; x: number; scale?: number; shift?: number; y: number; channelAxis: number; activation?: ActivationSpec }
  | { op: 'softmax'; x: number; y: number; axis: number; log: boolean }
  /** Copies inputs into y along axis (absent when the planner made the inputs slices of y). */
  | { op: 'concat'; inputs: number[]; y: number; axis: number }
  /** Same element count, new shape (or a plain copy). Absent when the planner made y a view of x. */
  | { op: 'copy'; x: number; y: number }
  | { op: 'transpose'; x: number; y: number; perm: number[] }
  /** Across-channel LRN (ONNX): y = x / (bias + alpha/size · Σ x²)^beta over `size` channels. */
  | { op: 'lrn'; x: number; y: number; size: number; alpha: number; beta: number; bias: number }
  /** Constant padding; pads are ONNX order [begin…, end…] for every axis (may be negative: crops). */
  | { op: 'pad'; x: number; y: number; pads: number[]; value: number }
  /** Strided slice: y[i…] = x[starts + i·steps …] per axis (steps may be negative). */
  | { op: 'slice'; x: number; y: number; starts: number[]; steps: number[] }
  /**
   * 2-D resize of the last two dims, 'nearest' (with ONNX nearestMode) or bilinear, with the
   * ONNX coordinate transform; y's shape gives the output size.
   */
  | {
      op: 'resize2d';
      x: number;
      y: number;
      mode: 'nearest' | 'linear';
      coordinateTransform: 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric';
      nearestMode: 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';
    };

export type ProgramOpKind = ProgramOp['op'];

export const PROGRAM_OP_KINDS = [
  'conv2d',
  'gemm',
  'batched_matmul',
  'pool2d',
  'global_pool',
  'binary',
  'compare',
  'where',
  'cast',
  'gather',
  'gather_nd',
  'arg_reduce',
  'activation',
  'unary',
  'deconv2d',
  'channel_affine',
  'softmax',
  'concat',
  'copy',
  'transpose',
  'lrn',
  'pad',
  'slice',
  'resize2d',
] as const satisfies readonly ProgramOpKind[];

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
