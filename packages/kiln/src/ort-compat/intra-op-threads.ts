/**
 * onnxruntime's `intraOpNumThreads`. Kiln's native CPU kernels share one process-wide thread
 * pool (native/cpu/src/thread_pool.cpp), sized once from KILN_CPU_THREADS or the core count
 * when the addon first runs, and the TypeScript kernels use one thread: a session cannot pick
 * its own count. So the setting is accepted when it asks for what the process already has
 * (or for the default, 0) and refused otherwise, rather than quietly running with another count.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { loadCpuNative } from '@kiln-inference/cpu-runtime';

/** Threads the CPU kernels of a session run on: the native pool's size, or 1 for the TypeScript kernels. */
export function cpuThreadCount(kernels: 'native' | 'reference' | undefined): number {
  if (kernels === 'reference') return 1;
  const native = loadCpuNative();
  return native.ok ? native.addon.threadCount() : 1;
}

export function checkIntraOpNumThreads(requested: unknown, available: number): void {
  if (requested === undefined || requested === 0) return;
  if (!Number.isInteger(requested) || (requested as number) < 0) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `intraOpNumThreads must be an integer ≥ 0, not ${String(requested)}`, {
      hint: '0 (the default) lets Kiln use its thread pool as configured',
    });
  }
  if (requested === available) return;
  throw new KilnError(
    ErrorCode.INVALID_ARGUMENT,
    `intraOpNumThreads ${requested} cannot be set per session: Kiln's CPU kernels share one process-wide pool of ${available} thread(s)`,
    {
      hint: `start the process with KILN_CPU_THREADS=${requested} (read once, when the native addon first runs), and leave intraOpNumThreads out or set it to 0`,
    },
  );
}
