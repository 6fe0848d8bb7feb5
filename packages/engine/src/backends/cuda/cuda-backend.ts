/**
 * The CUDA backend: device info from cudaStatus(); each execution context is a CudaRunner that
 * lowers the plan's network to Programs and runs them with kiln_cuda.node (one stream, arena
 * and CUDA graph per context; weights are uploaded per context's programs).
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { CudaPrecision } from '@kiln-inference/cuda-runtime';
import type { Backend, BackendRunner } from '../../backend.js';
import type { CompileOptions } from '../../lowering/compile-stage.js';
import type { DeviceInfo, PluginRef } from '../../plan/manifest.js';
import type { Plan } from '../../plan/plan.js';
import { cudaDevice } from './cuda-device.js';
import { CudaRunner } from './cuda-runner.js';
import { cudaRuntime } from './cuda-runtime-module.js';

export interface CudaBackendOptions {
  device?: number;
  precision?: CudaPrecision;
  /** Replay whole runs as CUDA graphs (default true). */
  useGraph?: boolean;
  workspaceLimitBytes?: number;
  /** Lowering options (tactics per layer name for this backend, workspace bounds). */
  compile?: CompileOptions;
}

export class CudaBackend implements Backend {
  readonly name = 'cuda' as const;
  private readonly options: CudaBackendOptions;

  constructor(options: CudaBackendOptions = {}) {
    const precision = options.precision ?? 'fp32';
    if (!['fp32', 'tf32', 'fp16'].includes(precision)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `CudaBackend: precision must be fp32, tf32 or fp16, got '${precision}'`);
    }
    this.options = { ...options, precision };
  }

  device(): DeviceInfo {
    return cudaDevice(this.options.device ?? 0);
  }

  /** Plugins run on the reference kernels only; a CUDA engine never contains them (the partitioner keeps them on the CPU). */
  hasPlugin(_ref: PluginRef): boolean {
    return false;
  }

  createRunner(plan: Plan, _planBytes: () => Uint8Array): BackendRunner {
    cudaRuntime().assertCudaProgramAvailable();
    const { device, precision, useGraph, workspaceLimitBytes } = this.options;
    return new CudaRunner(plan.network, {
      program: {
        ...(device !== undefined ? { device } : {}),
        ...(precision !== undefined ? { precision } : {}),
        ...(useGraph !== undefined ? { useGraph } : {}),
        ...(workspaceLimitBytes !== undefined ? { workspaceLimitBytes } : {}),
      },
      ...(this.options.compile ? { compile: this.options.compile } : {}),
    });
  }
}
