/** The DeviceInfo of a CUDA plan: the GPU's name and compute capability, from cudaStatus(). */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { DeviceInfo } from '@kiln-inference/engine';
import { cudaStatus } from './cuda-runtime-module.js';

export function cudaDevice(index = 0): DeviceInfo {
  const status = cudaStatus();
  const device = status.devices.find((d) => d.index === index);
  if (!device) {
    throw new KilnError(
      ErrorCode.NATIVE_UNAVAILABLE,
      `CUDA device ${index} is not available: ${status.reason ?? `${status.devices.length} GPU(s) visible`}`,
      {
        hint:
          status.devices.length > 0
            ? `pick a device index below ${status.devices.length}`
            : 'run on a machine with an NVIDIA GPU, or use the CPU backend',
      },
    );
  }
  return { type: device.name, arch: `${device.computeCapability[0]}.${device.computeCapability[1]}` };
}
