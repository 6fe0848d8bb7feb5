export type {
  Conv2dParams,
  Conv2dPath,
  CpuFeatures,
  CpuNativeAddon,
  MicroKernelName,
  NativeActivation,
  NativeProgramHandle,
  NativeProgramLimits,
  SgemmOptions,
} from './cpu-native-api.js';
export { CPU_NATIVE_FUNCTIONS } from './cpu-native-api.js';
export type { CpuNativeLoad } from './load-native.js';
export { loadCpuNative } from './load-native.js';
export { nativeErrorToKilnError } from './native-error.js';
export { NativeProgram } from './native-program.js';
export { linuxLibc, prebuiltPackageName } from './prebuilt-package.js';
export { nativeProgramTactics, nativeProgramWorkspaceBytes } from './program-tactics.js';
