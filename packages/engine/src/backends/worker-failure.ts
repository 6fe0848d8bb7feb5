/**
 * The KilnError for an execution worker that died, worded by when and why: a worker that never
 * started (its script failed to load, or the process could not give it memory or a thread) is
 * told apart from one that ended while serving runs, so that a deployment problem does not read
 * as a flaky runtime failure.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';

const NEW_CONTEXT = 'create a new execution context';

/** What a worker's end looked like: its 'error' event (if any), exit code, and whether it had started. */
export interface WorkerEnd {
  error?: Error;
  exitCode?: number;
  /** The worker reported that its plan loaded (it was serving runs). */
  started: boolean;
}

function errorCode(e: Error | undefined): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function startHint(code: string | undefined): string {
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return `the engine's worker script (or a module it imports) is missing: reinstall or rebuild @kiln-inference/engine, and do not rebuild it while a process uses it; then ${NEW_CONTEXT}`;
  }
  if (code === 'ERR_WORKER_OUT_OF_MEMORY' || code === 'ERR_WORKER_INIT_FAILED') {
    return `the process could not give the worker memory or a thread: dispose idle sessions or run fewer at once, then ${NEW_CONTEXT}`;
  }
  return NEW_CONTEXT;
}

export function workerFailure(end: WorkerEnd): KilnError {
  const { error, exitCode, started } = end;
  const code = errorCode(error);
  if (!error) {
    const when = started ? '' : ' before its plan loaded';
    return new KilnError(ErrorCode.RUNTIME_ERROR, `the execution worker exited (code ${exitCode})${when}`, { hint: NEW_CONTEXT });
  }
  const why = `${code ? `${code}: ` : ''}${error.message}`;
  if (!started) {
    return new KilnError(ErrorCode.RUNTIME_ERROR, `the execution worker could not start: ${why}`, { cause: error, hint: startHint(code) });
  }
  return new KilnError(ErrorCode.RUNTIME_ERROR, `the execution worker failed: ${why}`, { cause: error, hint: NEW_CONTEXT });
}
