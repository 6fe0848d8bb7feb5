/**
 * Run-time compiled CUDA C (plugins): compileCuda() compiles a source with NVRTC for the
 * device's architecture and loads it; launch() runs an extern "C" __global__ kernel by name
 * with DeviceBuffers and typed scalars, resolving once it has finished. NVRTC is opened at run
 * time, so the addon needs it only where kernels are compiled.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { callNative, callNativeSync, checkDeviceIndex, requireCudaApi } from './cuda-error.js';
import { DeviceBuffer } from './device-buffer.js';
import { hasCudaApi, loadCudaNative, type NativeCudaModule } from './native-addon.js';
import type { Stream } from './stream.js';

export type KernelScalar = { type: 'f32' | 'f64' | 'i32' | 'u32' | 'i64'; value: number };
export type KernelArg = DeviceBuffer | KernelScalar;

export interface CompileCudaOptions {
  /** Shown in compiler messages (default 'kernel.cu'). */
  name?: string;
  /** Extra NVRTC options, e.g. ['-use_fast_math']; the architecture is set from the device. */
  options?: string[];
  device?: number;
}

export interface LaunchOptions {
  grid: number[];
  block: number[];
  sharedBytes?: number;
  stream?: Stream;
}

export interface NvrtcStatus {
  available: boolean;
  /** 1000·major + 10·minor. */
  version?: number;
  path?: string;
  reason?: string;
}

/** Whether run-time compilation is available here, and why not. Never throws. */
export function nvrtcStatus(): NvrtcStatus {
  const loaded = loadCudaNative();
  if (!loaded.ok) return { available: false, reason: loaded.reason };
  if (!hasCudaApi(loaded.addon)) return { available: false, reason: 'kiln_cuda.node was built without CUDA' };
  return loaded.addon.nvrtcStatus();
}

export class CudaModule {
  /** @internal */
  readonly native: NativeCudaModule;

  private constructor(native: NativeCudaModule) {
    this.native = native;
  }

  static async compile(source: string, options: CompileCudaOptions = {}): Promise<CudaModule> {
    if (typeof source !== 'string' || source.length === 0) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'CudaModule.compile: source must be a non-empty string of CUDA C');
    }
    const addon = requireCudaApi('CudaModule.compile');
    const device = checkDeviceIndex(options.device ?? 0, 'CudaModule.compile');
    return new CudaModule(await callNative(() => addon.compileCuda(source, options.name ?? 'kernel.cu', options.options ?? [], device)));
  }

  /** The compiler's messages (warnings) for this module. */
  get log(): string {
    return this.native.log;
  }

  launch(kernel: string, args: readonly KernelArg[], options: LaunchOptions): Promise<void> {
    const nativeArgs = args.map((a) => (a instanceof DeviceBuffer ? a.native : a));
    return callNative(() =>
      this.native.launch(kernel, options.grid, options.block, options.sharedBytes ?? 0, nativeArgs, options.stream?.native),
    );
  }

  /** Releases the module's code on the device. */
  unload(): void {
    callNativeSync(() => this.native.unload());
  }
}
