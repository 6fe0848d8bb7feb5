export type { CompileCudaOptions, KernelArg, KernelScalar, LaunchOptions, NvrtcStatus } from './cuda-module.js';
export { CudaModule, nvrtcStatus } from './cuda-module.js';
export type {
  CudaPrecision,
  CudaProgramInfo,
  CudaProgramOptions,
  CudaProgramValue,
  OpTactic,
  OpTiming,
  TacticTrial,
} from './cuda-program.js';
export { assertCudaProgramAvailable, CudaProgram } from './cuda-program.js';
export type { CudaDevice, CudaStatus, DeviceMemoryStats } from './cuda-status.js';
export { cudaStatus, deviceMemoryStats } from './cuda-status.js';
export type { CopyOptions, FillOptions } from './device-buffer.js';
export { DeviceBuffer } from './device-buffer.js';
export type { EventOptions } from './event.js';
export { Event } from './event.js';
export type { CudaNativeLoad } from './native-addon.js';
export { loadCudaNative } from './native-addon.js';
export type { DeviceOptions } from './stream.js';
export { Stream } from './stream.js';
