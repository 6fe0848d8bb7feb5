/**
 * CudaProgram: a Program (packages/core/src/program.ts) executed by kiln_cuda.node. create()
 * uploads the weights (converted to the precision's storage type and each tactic's layout),
 * times the candidate tactics of every convolution and GEMM on the device, and allocates one
 * execution context: a stream, activation memory, pinned staging buffers. The first run
 * executes op by op; later runs replay a CUDA graph of the whole run. clone() makes another
 * context over the same weights, for concurrent runs.
 */
import {
  currentResourceLimits,
  ErrorCode,
  KilnError,
  PROGRAM_DTYPE_ARRAYS,
  type Program,
  type ProgramData,
  type ProgramDType,
  type ResourceLimits,
  validateProgram,
} from '@kiln-inference/core';
import { callNative, callNativeSync, checkDeviceIndex, requireCudaApi } from './cuda-error.js';
import type { NativeCudaProgram } from './native-addon.js';

export type CudaPrecision = 'fp32' | 'tf32' | 'fp16';

export interface CudaProgramOptions {
  /** fp32: exact float math; tf32: tensor cores on float32 data; fp16: half storage, NHWC, tensor cores. */
  precision?: CudaPrecision;
  device?: number;
  /** Replay runs as a CUDA graph after the first (default true). */
  useGraph?: boolean;
  /** Store 4-D activations channels-last (default: true for tf32/fp16, which tensor cores want NHWC for; false for fp32). */
  channelsLast?: boolean;
  /** Most library workspace (cuDNN/cuBLASLt) a tactic may use, in bytes (default 256 MiB). */
  workspaceLimitBytes?: number;
  /** Bounds on every value, the arena and the weights (default: the limits in force). */
  limits?: ResourceLimits;
}

export interface CudaProgramInfo {
  precision: CudaPrecision;
  device: number;
  /** The tactic chosen for each op, in op order (e.g. 'cudnn_fused_algo1', 'depthwise', 'cublaslt0'). */
  tactics: string[];
  /** Per executed op: the Program ops it runs, its tactic, and the candidates timed to choose it. */
  ops: OpTactic[];
  /** Whether runs replay a captured CUDA graph (true after the first run). */
  graph: boolean;
  /** Why graph capture failed, when it did (runs then stay op by op). */
  graphFailure?: string;
  /** Device bytes this context owns (arena, inputs, staging, workspace). */
  contextBytes: number;
  workspaceBytes: number;
  sharedWeightBytes: number;
}

/** One candidate tactic as the executor timed it while creating the program. */
export interface TacticTrial {
  tactic: string;
  /** GPU milliseconds per run (best of three rounds). */
  ms: number;
  /** Library workspace the candidate asks for. */
  workspaceBytes: number;
}

/** What the executor runs for one op of the Program, and why. */
export interface OpTactic {
  /** "op 3 (conv2d → 'name')", with "+ op 4 residual add" where an op was folded in. */
  label: string;
  /** The op's number in the Program. */
  opIndex: number;
  /** Numbers of Program ops folded into this one (a residual add into its convolution). */
  fusedOps: number[];
  tactic: string;
  workspaceBytes: number;
  /** Every candidate that ran, when the executor chose among several; empty when the tactic was forced or the only one. */
  trials: TacticTrial[];
}

export interface OpTiming {
  /** "op 3 (conv2d → 'name')". */
  op: string;
  /** The op's number in the Program. */
  opIndex: number;
  tactic: string;
  /** Mean GPU milliseconds per run. */
  ms: number;
}

const PRECISIONS = new Set<string>(['fp32', 'tf32', 'fp16']);

/** The shape and dtype of one program input or output. */
export interface CudaProgramValue {
  readonly shape: readonly number[];
  readonly dtype: ProgramDType;
}

export class CudaProgram {
  /** @internal */
  readonly native: NativeCudaProgram;
  readonly inputs: readonly CudaProgramValue[];
  readonly outputs: readonly CudaProgramValue[];
  /** Runs queue here so callers may call run() without awaiting the previous one. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(native: NativeCudaProgram, inputs: readonly CudaProgramValue[], outputs: readonly CudaProgramValue[]) {
    this.native = native;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  get inputShapes(): number[][] {
    return this.inputs.map((v) => [...v.shape]);
  }

  get outputShapes(): number[][] {
    return this.outputs.map((v) => [...v.shape]);
  }

  /**
   * Validates the program (the Program validator of @kiln-inference/core, the one the CPU executor runs,
   * then the native parser's own checks) before anything touches the device: a Program may come from a
   * hostile plan, and the CUDA kernels trust its shapes.
   */
  static async create(program: Program, options: CudaProgramOptions = {}): Promise<CudaProgram> {
    const { limits = currentResourceLimits(), ...rest } = options;
    validateProgram(program, limits);
    const addon = requireCudaApi('CudaProgram.create');
    const precision = options.precision ?? 'fp32';
    if (!PRECISIONS.has(precision)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `CudaProgram.create: precision must be fp32, tf32 or fp16, got '${precision}'`);
    }
    const device = checkDeviceIndex(options.device ?? 0, 'CudaProgram.create');
    const native = await callNative(() =>
      addon.createProgram(program, {
        ...rest,
        precision,
        device,
        maxTensorElements: limits.maxTensorElements,
        maxTensorBytes: limits.maxTensorBytes,
        maxModelBytes: limits.maxModelBytes,
      }),
    );
    // validateProgram checked every input and output id.
    const describeValue = (id: number): CudaProgramValue => {
      const v = program.values[id]!;
      return { shape: [...v.shape], dtype: v.dtype ?? 'float32' };
    };
    return new CudaProgram(native, program.inputs.map(describeValue), program.outputs.map(describeValue));
  }

  get info(): CudaProgramInfo {
    return this.native.info;
  }

  get disposed(): boolean {
    return this.native.disposed;
  }

  /**
   * One inference: inputs in program input order, each the typed array of its dtype
   * (PROGRAM_DTYPE_ARRAYS: float32 NCHW images are Float32Arrays, int64 indices BigInt64Arrays);
   * resolves with new output arrays. The inputs must not change until the promise settles.
   */
  run(inputs: readonly ProgramData[]): Promise<ProgramData[]> {
    const outputs = this.outputs.map((v) => new PROGRAM_DTYPE_ARRAYS[v.dtype](v.shape.reduce((a, b) => a * b, 1)));
    return this.runInto(inputs, outputs).then(() => outputs);
  }

  /** Like run, writing into caller-owned output arrays (no allocation per run). */
  runInto(inputs: readonly ProgramData[], outputs: ProgramData[]): Promise<void> {
    return this.enqueue(() => callNative(() => this.native.run([...inputs], outputs)));
  }

  /** Another execution context over the same model: own stream and memory, shared weights. */
  clone(): Promise<CudaProgram> {
    return this.enqueue(async () => new CudaProgram(await callNative(() => this.native.clone()), this.inputs, this.outputs));
  }

  /** GPU time per op (mean of `iterations` op-by-op runs after a warm-up), with the chosen tactics. */
  profile(iterations = 10): Promise<OpTiming[]> {
    return this.enqueue(() => callNative(() => this.native.profile(iterations)));
  }

  /**
   * GPU milliseconds of each of `iterations` replays of the ops alone, on device-resident data
   * (no host copies): what framework benchmarks measure. Resolves after a short warm-up.
   */
  benchmark(iterations = 20): Promise<number[]> {
    return this.enqueue(() => callNative(() => this.native.benchmark(iterations)));
  }

  /** Frees the context's device memory (the weights go with the last context). */
  dispose(): Promise<void> {
    return this.enqueue(() => callNative(() => this.native.dispose()));
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** Throws the NATIVE_UNAVAILABLE reason when CudaProgram cannot run here; never loads anything twice. */
export function assertCudaProgramAvailable(): void {
  callNativeSync(() => requireCudaApi('CudaProgram'));
}
