/**
 * The umbrella's wiring of the CUDA backend into a backend registry (by default the engine's
 * defaultBackends, which builds and engines consult). The factory only constructs a CudaBackend,
 * which loads nothing, so registering costs a CPU-only program nothing.
 */
import { type BackendFactory, type BackendRegistry, defaultBackends } from '@kiln-inference/engine';
import { CudaBackend } from './cuda-backend.js';

export const cudaBackendFactory: BackendFactory = ({ precision, device }) =>
  new CudaBackend({ ...(precision ? { precision } : {}), ...(device !== undefined ? { device } : {}) });

export function registerCudaBackend(registry: BackendRegistry = defaultBackends): BackendRegistry {
  return registry.register('cuda', cudaBackendFactory);
}
