/**
 * The CUDA ProgramBackend: device info from cudaStatus(); support from the engine's table for the
 * 'cuda' target; tactics timed by kiln_cuda.node (cuda-tactics.ts); programs are CudaPrograms
 * (one stream, arena and CUDA graph each); each execution context is the engine's staged runner
 * over them, reference stages running on the CPU in between. Constructing one loads nothing: the
 * binding loads when a device, a program or a context is first asked for.
 */
import { type AnyLayer, ErrorCode, KilnError, type Network, type Program, type ProgramOp, type ResourceLimits } from '@kiln-inference/core';
import type { CudaPrecision, CudaProgramOptions } from '@kiln-inference/cuda-runtime';
import {
  type BackendRunner,
  createDeviceRunner,
  type DeviceInfo,
  type Plan,
  type PlanPrecision,
  type ProgramBackend,
  type ProgramRunner,
  type ProgramSupport,
  programSupport,
  type TacticCandidate,
  type TacticTiming,
} from '@kiln-inference/engine';
import { cudaDevice } from './cuda-device.js';
import { cudaRuntime } from './cuda-runtime-module.js';
import { CudaTactics } from './cuda-tactics.js';

export interface CudaBackendOptions {
  device?: number;
  precision?: CudaPrecision;
  /** Replay whole runs as CUDA graphs (default true). */
  useGraph?: boolean;
  workspaceLimitBytes?: number;
}

const PRECISIONS: readonly PlanPrecision[] = ['fp32', 'tf32', 'fp16'];
/** The ops kiln_cuda.node times candidates for. */
const TUNED_OPS = new Set<ProgramOp['op']>(['conv2d', 'gemm']);

export class CudaBackend implements ProgramBackend {
  readonly name = 'cuda' as const;
  readonly precisions = PRECISIONS;
  /** Tactics chosen on one GPU model may not exist on another. */
  readonly deviceSpecificPlans = true;
  private readonly options: CudaBackendOptions & { precision: CudaPrecision };
  private readonly tactics: CudaTactics;

  constructor(options: CudaBackendOptions = {}) {
    const precision = options.precision ?? 'fp32';
    if (!PRECISIONS.includes(precision)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `CudaBackend: precision must be fp32, tf32 or fp16, got '${precision}'`, {
        hint: `use precision: ${PRECISIONS.map((p) => `'${p}'`).join(' | ')}`,
      });
    }
    this.options = { ...options, precision };
    this.tactics = new CudaTactics({ precision, ...(options.device !== undefined ? { device: options.device } : {}) });
  }

  device(): DeviceInfo {
    return cudaDevice(this.options.device ?? 0);
  }

  /** Plugins run on the reference kernels only; a CUDA engine never contains them (the partitioner keeps them on the CPU). */
  hasPlugin(): boolean {
    return false;
  }

  support(layer: AnyLayer, network: Network, isConstant: (tensor: string) => boolean): ProgramSupport {
    return programSupport(layer, network, isConstant, 'cuda');
  }

  /** GPU model, capability and precision: tactics differ per precision. */
  tacticDevice(): string {
    const device = this.device();
    return `cuda ${device.type} ${device.arch} ${this.options.precision}`;
  }

  tunable(op: ProgramOp): boolean {
    return TUNED_OPS.has(op.op);
  }

  tacticCandidates(program: Program, ops: readonly number[]): Promise<TacticCandidate[]> {
    return this.tactics.candidates(program, ops);
  }

  time(program: Program, candidates: readonly TacticCandidate[]): Promise<TacticTiming[]> {
    return this.tactics.time(program, candidates);
  }

  async createProgram(program: Program, limits?: ResourceLimits): Promise<ProgramRunner> {
    const { device, precision, useGraph, workspaceLimitBytes } = this.options;
    const options: CudaProgramOptions = {
      precision,
      ...(device !== undefined ? { device } : {}),
      ...(useGraph !== undefined ? { useGraph } : {}),
      ...(workspaceLimitBytes !== undefined ? { workspaceLimitBytes } : {}),
      ...(limits ? { limits } : {}),
    };
    const cuda = await cudaRuntime().CudaProgram.create(program, options);
    // The staged runner has checked each input's dtype against the program's.
    return {
      run: (inputs) => cuda.run(inputs),
      dispose: () => cuda.dispose(),
    };
  }

  createRunner(plan: Plan, _planBytes: () => Uint8Array, limits?: ResourceLimits): BackendRunner {
    cudaRuntime().assertCudaProgramAvailable();
    return createDeviceRunner(plan, this, limits);
  }
}
