/**
 * Starts the engine's execution worker from its TypeScript source, for tests that run without a
 * build: the worker registers tsx with the workspace path mapping, then imports engine-worker.ts.
 * Plugin modules sent to it may be TypeScript too. Pass it as EngineOptions.startWorker.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { repoRoot } from './files.js';

export function startSourceWorker(workerData: unknown): Worker {
  const root = repoRoot();
  const script = pathToFileURL(resolve(root, 'packages/engine/src/worker/engine-worker.ts')).href;
  const tsconfig = resolve(root, 'tsconfig.dev.json');
  return new Worker(
    `import('tsx/esm/api').then((m) => { m.register({ tsconfig: ${JSON.stringify(tsconfig)} }); return import(${JSON.stringify(script)}); })`,
    { eval: true, workerData },
  );
}
