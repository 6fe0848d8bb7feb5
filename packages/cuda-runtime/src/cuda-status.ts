/** What this process can do with CUDA: addon, driver, runtime, devices. Never throws. */
import { loadCudaNative } from './native-addon.js';

export interface CudaDevice {
  index: number;
  name: string;
  computeCapability: [number, number];
  multiprocessors: number;
  totalMemoryBytes: number;
}

export interface CudaStatus {
  /** kiln_cuda.node was found and loaded. */
  addonLoaded: boolean;
  /** The addon was compiled with nvcc (a build without nvcc only reports status). */
  compiledWithCuda: boolean;
  /** 'no-driver': no usable NVIDIA driver known to this process (see reason). */
  driver: 'ok' | 'no-driver' | 'error';
  /** CUDA version numbers as 1000·major + 10·minor (e.g. 13000). */
  driverVersion?: number;
  runtimeVersion?: number;
  devices: CudaDevice[];
  /** Vendor libraries the addon was built with. */
  libraries: { cublasLt: boolean; cudnn: boolean };
  /** Why the GPU cannot be used (or why some device could not be described). */
  reason?: string;
}

const NO_LIBRARIES = { cublasLt: false, cudnn: false };

export function cudaStatus(): CudaStatus {
  const loaded = loadCudaNative();
  if (!loaded.ok) {
    return {
      addonLoaded: false,
      compiledWithCuda: false,
      driver: 'no-driver',
      devices: [],
      libraries: NO_LIBRARIES,
      reason: loaded.reason,
    };
  }
  try {
    return { addonLoaded: true, ...loaded.addon.cudaStatus() };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      addonLoaded: true,
      compiledWithCuda: false,
      driver: 'error',
      devices: [],
      libraries: NO_LIBRARIES,
      reason: `cudaStatus failed: ${message}`,
    };
  }
}

export interface DeviceMemoryStats {
  /** Bytes of device memory kiln holds now (all devices). */
  bytesInUse: number;
  /** The most bytes held at once since the process started. */
  peakBytes: number;
  liveBuffers: number;
  totalAllocations: number;
  /** The driver's free and total memory of the current device, where one is usable. */
  deviceFreeBytes?: number;
  deviceTotalBytes?: number;
}

/** Accounting of DeviceBuffer memory; zeros when the addon is unavailable. */
export function deviceMemoryStats(): DeviceMemoryStats {
  const loaded = loadCudaNative();
  if (!loaded.ok) return { bytesInUse: 0, peakBytes: 0, liveBuffers: 0, totalAllocations: 0 };
  return loaded.addon.memoryStats();
}
