/**
 * The umbrella's one door to @kiln-inference/cuda-runtime, an optional dependency. It is loaded on
 * first use (a CUDA build or run, or a CUDA status query), so a CPU-only program never loads the
 * CUDA binding and an installation without the package still runs on the CPU. Loaded with a lazy
 * require rather than import(): its callers are synchronous (ProgramBackend.device/createRunner,
 * cudaStatus(), the execution-provider probe), and bundlers leave a require made through
 * createRequire to be resolved at run time, so a bundle neither inlines the optional package nor
 * fails without it. The ESM build requires the package's ESM entry (Node ≥ 20.19 requires ESM
 * synchronously): the same module instance as any import of it, so the KilnErrors it throws are
 * the caller's class.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type * as CudaRuntimeExports from '@kiln-inference/cuda-runtime';
import type { CudaStatus } from '@kiln-inference/cuda-runtime';

export type CudaRuntime = typeof CudaRuntimeExports;

const PACKAGE_NAME = '@kiln-inference/cuda-runtime';

let loaded: { ok: true; runtime: CudaRuntime } | { ok: false; error: KilnError } | undefined;

/** This module's URL: import.meta.url in ESM, __filename where import.meta is empty (the CJS build, a CJS bundle). */
function moduleUrl(): string {
  const url = import.meta.url as string | undefined;
  return url ?? pathToFileURL(__filename).href;
}

function isMissingPackage(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String((e as Error).message).includes(PACKAGE_NAME);
}

/** Codes that mean "the ESM entry cannot be required here": fall back to the CJS build. */
const ESM_UNAVAILABLE = new Set(['ERR_REQUIRE_ESM', 'ERR_UNKNOWN_FILE_EXTENSION', 'MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND']);

function requireRuntime(): CudaRuntime {
  const require = createRequire(moduleUrl());
  // import.meta.resolve exists in the ESM build only (the CJS build's import.meta is empty).
  const resolveEsm = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (typeof resolveEsm === 'function') {
    try {
      const entry = resolveEsm(PACKAGE_NAME);
      if (entry.startsWith('file:') && /\.m?js$/.test(entry)) return require(fileURLToPath(entry)) as CudaRuntime;
    } catch (e) {
      if (!ESM_UNAVAILABLE.has(String((e as { code?: unknown }).code))) throw e;
    }
  }
  return require(PACKAGE_NAME) as CudaRuntime;
}

function load(): { ok: true; runtime: CudaRuntime } | { ok: false; error: KilnError } {
  try {
    return { ok: true, runtime: requireRuntime() };
  } catch (e) {
    const error = isMissingPackage(e)
      ? new KilnError(ErrorCode.NATIVE_UNAVAILABLE, `the CUDA backend needs ${PACKAGE_NAME}, which is not installed`, {
          cause: e,
          hint: `install it beside kiln (npm install ${PACKAGE_NAME}), or use the CPU backend`,
        })
      : new KilnError(
          ErrorCode.NATIVE_UNAVAILABLE,
          `${PACKAGE_NAME} is installed but failed to load: ${String((e as Error).message).split('\n')[0]}`,
          {
            cause: e,
            hint: `reinstall ${PACKAGE_NAME} (its version must match kiln's), or use the CPU backend`,
          },
        );
    return { ok: false, error };
  }
}

/** The CUDA runtime package, loaded on the first call; a KilnError saying what to install when it is missing. */
export function cudaRuntime(): CudaRuntime {
  loaded ??= load();
  if (!loaded.ok) throw loaded.error;
  return loaded.runtime;
}

/** cudaStatus() of the CUDA runtime, or a status saying why the package is missing. Never throws. */
export function cudaStatus(): CudaStatus {
  loaded ??= load();
  if (loaded.ok) return loaded.runtime.cudaStatus();
  return {
    addonLoaded: false,
    compiledWithCuda: false,
    driver: 'no-driver',
    devices: [],
    libraries: { cublasLt: false, cudnn: false },
    reason: loaded.error.message,
  };
}
