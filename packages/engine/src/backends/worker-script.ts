/**
 * Where the execution worker script (dist/engine-worker.js) is. CPU contexts run off the main
 * thread only when it is found, so a bundler that inlined @kiln-inference/engine without it must still
 * find it: KILN_ENGINE_WORKER_PATH names it outright; otherwise it is looked for beside this
 * module (the published package) and then through module resolution of
 * `@kiln-inference/engine/engine-worker` from here (a bundle next to a node_modules holding kiln).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type WorkerScript =
  | { found: true; url: URL; path: string; source: 'KILN_ENGINE_WORKER_PATH' | 'beside the engine' | 'node_modules' }
  | { found: false; fromSources: boolean; reason: string };

export const WORKER_SCRIPT_ENV = 'KILN_ENGINE_WORKER_PATH';
const WORKER_SPECIFIER = '@kiln-inference/engine/engine-worker';

/** This module's URL: import.meta.url in ESM, __filename where import.meta is empty (the CJS build, a CJS bundle). */
function moduleUrl(): string {
  const url = import.meta.url as string | undefined;
  return url ?? pathToFileURL(__filename).href;
}

function resolveInstalled(from: string): string | undefined {
  try {
    return createRequire(from).resolve(WORKER_SPECIFIER);
  } catch {
    return undefined;
  }
}

export function locateWorkerScript(env: NodeJS.ProcessEnv = process.env): WorkerScript {
  const override = env[WORKER_SCRIPT_ENV];
  if (override) {
    if (existsSync(override)) return { found: true, url: pathToFileURL(override), path: override, source: WORKER_SCRIPT_ENV };
    return { found: false, fromSources: false, reason: `${WORKER_SCRIPT_ENV}=${override} does not exist` };
  }
  const here = moduleUrl();
  const beside = new URL('./engine-worker.js', here);
  if (beside.protocol === 'file:' && existsSync(fileURLToPath(beside))) {
    return { found: true, url: beside, path: fileURLToPath(beside), source: 'beside the engine' };
  }
  // Sources run by vitest or tsx have no compiled worker: calling-thread execution is expected there.
  const fromSources = /\.[cm]?ts$/.test(here);
  const installed = here.startsWith('file:') ? resolveInstalled(here) : undefined;
  if (installed && existsSync(installed) && !fromSources) {
    return { found: true, url: pathToFileURL(installed), path: installed, source: 'node_modules' };
  }
  return {
    found: false,
    fromSources,
    reason: `no engine-worker.js beside ${fileURLToPath(here)} and '${WORKER_SPECIFIER}' does not resolve from there`,
  };
}
