/**
 * Starts a Worker thread with the process's Node options, minus those a Worker refuses. By
 * default a Worker inherits them all, and `node --input-type=module -e …` then makes every
 * Worker fail (ERR_INPUT_TYPE_NOT_ALLOWED); passing the options explicitly instead makes Node
 * refuse V8 and per-process ones (`--expose-gc`, `--max-old-space-size`) that inheritance
 * quietly skips. So: inherit unless `--input-type` is present, and then drop what Node names as
 * invalid.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

function withoutInputType(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--input-type') i++;
    else if (!a.startsWith('--input-type=')) args.push(a);
  }
  return args;
}

export function startWorkerThread(url: URL, options: Omit<WorkerOptions, 'execArgv'>): Worker {
  const argv = process.execArgv;
  if (!argv.some((a) => a === '--input-type' || a.startsWith('--input-type='))) return new Worker(url, options);
  const execArgv = withoutInputType(argv);
  try {
    return new Worker(url, { ...options, execArgv });
  } catch (e) {
    // "Initiated Worker with invalid execArgv flags: --expose-gc, --max-old-space-size=200"
    const message = e instanceof Error ? e.message : '';
    if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    const invalid = new Set(
      message
        .slice(message.indexOf(':') + 1)
        .split(',')
        .map((s) => s.trim()),
    );
    return new Worker(url, { ...options, execArgv: execArgv.filter((a) => !invalid.has(a)) });
  }
}
