/** Errors from kiln_cuda.node become KilnErrors; calls without a usable CUDA build fail clearly. */
import { ErrorCode, KilnError, kilnErrorFromNative } from '@kiln-inference/core';
import { type CudaNativeApi, hasCudaApi, loadCudaNative } from './native-addon.js';

export function toKilnError(e: unknown): KilnError {
  return kilnErrorFromNative(e, ErrorCode.CUDA_ERROR);
}

/** Runs a native call (sync or async) and rethrows its failure as a KilnError. */
export async function callNative<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toKilnError(e);
  }
}

export function callNativeSync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toKilnError(e);
  }
}

/** The CUDA API of the addon, or a NATIVE_UNAVAILABLE error saying why there is none. */
export function requireCudaApi(what: string): CudaNativeApi {
  const loaded = loadCudaNative();
  if (!loaded.ok) {
    throw new KilnError(ErrorCode.NATIVE_UNAVAILABLE, `${what} needs kiln_cuda.node: ${loaded.reason}`, {
      hint: 'build the addon, or run this model on the CPU backend',
    });
  }
  if (!hasCudaApi(loaded.addon)) {
    throw new KilnError(ErrorCode.NATIVE_UNAVAILABLE, `${what} needs CUDA, but ${loaded.path} was built without it`, {
      hint: "install the CUDA toolkit (nvcc on PATH) and run 'pnpm --filter @kiln-inference/cuda-runtime build:native'",
    });
  }
  return loaded.addon;
}

export function checkDeviceIndex(device: number, what: string): number {
  if (!Number.isInteger(device) || device < 0) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${what}: device must be a non-negative integer, got ${device}`, {
      hint: 'pick an index from cudaStatus().devices',
    });
  }
  return device;
}
