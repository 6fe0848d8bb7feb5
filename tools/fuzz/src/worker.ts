/**
 * The child process: generates and executes cases one at a time for the supervisor, which
 * watches it for crashes, hangs and memory. Anything Kiln throws is classified here; what kills
 * the process is classified by the parent.
 */
import { setProcessResourceLimits } from '@kiln-inference/core';
import type { CaseResult, FuzzCase } from './fuzz-case.js';
import { FUZZ_LIMITS } from './pipeline.js';
import { executeCase, type FromWorker, generateCase, type ToWorker } from './run-case.js';
import { removeCaseFiles } from './target.js';

async function handle(msg: ToWorker): Promise<CaseResult> {
  if (msg.type === 'replay') return executeCase(msg.case);
  let c: FuzzCase;
  try {
    c = await generateCase(msg.target, msg.seed, msg.index);
  } catch (e) {
    // A generator failure is the fuzzer's bug, reported as such rather than blamed on Kiln.
    return { index: msg.index, outcome: 'non-kiln-error', kind: 'GeneratorError', message: String((e as Error)?.stack ?? e).slice(0, 600) };
  }
  return executeCase(c);
}

/** Set by the supervisor: only a forked fuzz worker serves cases (importing this module does nothing). */
if (process.send && process.env.KILN_FUZZ_WORKER === '1') {
  setProcessResourceLimits(FUZZ_LIMITS);
  // A rejected promise nobody awaited is Kiln leaking an error past its API.
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`unhandledRejection: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(70);
  });
  process.on('exit', removeCaseFiles);
  // Ctrl-C reaches the whole process group; the supervisor decides when workers end.
  process.on('SIGINT', () => {});
  let queue: Promise<void> = Promise.resolve();
  process.on('message', (msg: ToWorker) => {
    queue = queue.then(async () => {
      const started = performance.now();
      const result = { ...(await handle(msg)), ms: performance.now() - started };
      process.send!({ type: 'result', result } satisfies FromWorker);
    });
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' } satisfies FromWorker);
}
