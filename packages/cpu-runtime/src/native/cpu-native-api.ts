/**
 * The JavaScript face of kiln_cpu.node (native/cpu). Every compute function returns a Promise
 * and runs off the event loop; inputs must not be modified until it settles. Errors are
 * Error objects with `code` (a KilnError ErrorCode name) and `hint`; see toKilnError.
 */
import type { ActivationSpec, ActivationType, Program, ProgramData } from '@kiln-inference/core';

/** An activation fused into the epilogue: a name, or a spec with alpha/beta (layers.ts meanings). */
export type NativeActivation = ActivationType | 'none' | ActivationSpec;

export interface SgemmOptions {
  /** Scales op(a)·op(b); default 1. */
  alpha?: number;
  /** Scales the bias; default 1. */
  beta?: number;
  activation?: NativeActivation;
}

export interface Conv2dParams {
  /** Input shape [N, C, H, W]. */
  xShape: readonly number[];
  /** Weight shape [M, C / groups, kH, kW]. */
  wShape: readonly number[];
  /** [sH, sW], default [1, 1]. */
  strides?: readonly number[];
  /** [top, left, bottom, right] (ONNX order), default zeros. */
  pads?: readonly number[];
  /** [dH, dW], default [1, 1]. */
  dilations?: readonly number[];
  groups?: number;
  activation?: NativeActivation;
  /** Added after the bias and before the activation; the output's shape. */
  residual?: Float32Array;
}

export type Conv2dPath = 'pointwise_gemm' | 'depthwise_direct' | 'implicit_gemm';

export interface CpuFeatures {
  x86: boolean;
  sse42: boolean;
  avx: boolean;
  avx2: boolean;
  fma: boolean;
  avx512f: boolean;
  /** The GEMM micro-kernel in use. */
  microKernel: MicroKernelName;
}

export type MicroKernelName = 'avx2_fma' | 'generic';

/**
 * A compiled Program (native/cpu/src/program): prepacked weights shared with its clones, its
 * own activation arena. Runs are serialized natively; NativeProgram adds the queue and errors.
 */
export interface NativeProgramHandle {
  /** Resolves with fresh output arrays (typed by each output's dtype) in program.outputs order. */
  run(inputs: readonly ProgramData[]): Promise<ProgramData[]>;
  /** Median milliseconds per op over `repeats` runs. */
  profile(inputs: readonly ProgramData[], repeats: number): Promise<number[]>;
  /** Shares the definition (prepacked weights), allocates a new arena. */
  clone(): NativeProgramHandle;
  /** The tactic each op runs with. */
  tactics(): string[];
  /** Drops this handle's arena; an in-flight run finishes first. */
  dispose(): void;
}

/** The resource limits the addon checks a Program's sizes against (see @kiln-inference/core ResourceLimits). */
export interface NativeProgramLimits {
  maxTensorElements: number;
  maxTensorBytes: number;
  maxModelBytes: number;
}

export interface CpuNativeAddon {
  /**
   * C = activation(alpha·op(a)·op(b) + beta·bias), row-major; a is M×K (K×M when transA), b is
   * K×N (N×K when transB); bias has N elements (one per column) or M·N.
   */
  sgemm(
    a: Float32Array,
    b: Float32Array,
    M: number,
    N: number,
    K: number,
    transA: boolean,
    transB: boolean,
    bias?: Float32Array | null,
    options?: SgemmOptions,
  ): Promise<Float32Array>;
  /** NCHW float32 convolution with fused bias, residual and activation; output [N, M, OH, OW]. */
  conv2d(x: Float32Array, w: Float32Array, b: Float32Array | null, params: Conv2dParams): Promise<Float32Array>;
  /** Validates conv2d params and tells the output shape and the algorithm conv2d would use. */
  conv2dInfo(params: Conv2dParams): { outputShape: [number, number, number, number]; path: Conv2dPath };
  cpuFeatures(): CpuFeatures;
  /** Threads one kernel call runs on (all cores unless KILN_CPU_THREADS is set). */
  threadCount(): number;
  microKernel(): MicroKernelName;
  /** 'generic' forces the portable micro-kernel (for testing it); returns the kernel now in use. */
  setMicroKernel(choice: 'auto' | 'generic'): MicroKernelName;
  /**
   * Validates a Program against `limits` (before allocating anything), copies its weights and
   * prepacks GEMM/conv weights (synchronous).
   */
  createProgram(program: Program, limits?: NativeProgramLimits): NativeProgramHandle;
}

/** The functions a loaded kiln_cpu.node must export; an older build lacking one is not used. */
export const CPU_NATIVE_FUNCTIONS: readonly (keyof CpuNativeAddon)[] = [
  'sgemm',
  'conv2d',
  'conv2dInfo',
  'cpuFeatures',
  'threadCount',
  'microKernel',
  'setMicroKernel',
  'createProgram',
];
