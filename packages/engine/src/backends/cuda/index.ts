export { CudaBackend, type CudaBackendOptions } from './cuda-backend.js';
export { cudaDevice } from './cuda-device.js';
export { CudaRunner, type CudaRunnerOptions } from './cuda-runner.js';
export { cudaStatus } from './cuda-runtime-module.js';
export { type CudaTacticOptions, cudaTacticDevice, selectCudaTactics } from './cuda-tactics.js';
