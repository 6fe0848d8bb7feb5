/**
 * Loud, once-per-process warnings for the two silent slowdowns of a CPU context: the native
 * kernels did not load (the reference kernels are many times slower: ResNet-50 went from 129 to
 * 2,388 ms per run), or the worker script was not found (runs block the event loop). Each says
 * why and what to install or set. An explicit choice (KILN_DISABLE_NATIVE=1, kernels:
 * 'reference', execution: 'inline') never warns. Emitted from the main thread only, where
 * contexts are created, so worker threads do not repeat them.
 */
import { loadCpuNative, prebuiltPackageName } from '@kiln-inference/cpu-runtime';
import { WORKER_SCRIPT_ENV, type WorkerScript } from './worker-script.js';

/** The warning codes (process.on('warning') sees them as warning.code). */
export const FALLBACK_WARNINGS = {
  referenceKernels: 'KILN_REFERENCE_KERNELS',
  mainThread: 'KILN_MAIN_THREAD',
} as const;

const warned = new Set<string>();

function warnOnce(code: string, message: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  process.emitWarning(message, { type: 'KilnPerformanceWarning', code });
}

/** Warns when native kernels were asked for but kiln_cpu.node does not load. */
export function warnIfReferenceKernels(): void {
  if (process.env.KILN_DISABLE_NATIVE === '1') return;
  const load = loadCpuNative();
  if (load.ok) return;
  warnOnce(
    FALLBACK_WARNINGS.referenceKernels,
    `kiln_cpu.node did not load, so CPU plans run on the TypeScript reference kernels, many times slower. Why: ${load.reason}. ` +
      `Fix: install the prebuilt addon for ${process.platform}-${process.arch} (${prebuiltPackageName()}) or build it (see \`kiln doctor\`), or set ` +
      'KILN_CPU_NATIVE_PATH to a kiln_cpu.node; KILN_DISABLE_NATIVE=1 chooses the reference kernels without this warning.',
  );
}

/** Warns when a context that could run in a worker runs on the calling thread for want of the script. */
export function warnIfMainThread(script: WorkerScript): void {
  if (script.found || script.fromSources) return;
  warnOnce(
    FALLBACK_WARNINGS.mainThread,
    `the engine worker script was not found, so CPU runs execute on the calling thread and block the event loop. Why: ${script.reason}. ` +
      `Fix: when bundling, keep @kiln-inference/engine's dist/engine-worker.js reachable (install kiln beside the bundle, or copy the file ` +
      `and set ${WORKER_SCRIPT_ENV} to it), or pass startWorker; execution: 'inline' chooses the calling thread without this warning.`,
  );
}
