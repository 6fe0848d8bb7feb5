/**
 * The parent: keeps `jobs` worker processes busy, one case in flight each, and turns a worker
 * that dies (signal → crash), goes quiet past the time cap (hang) or grows past the RSS cap
 * (memory) into that case's outcome before starting a fresh worker.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CaseResult, classifyExit, type FuzzCase } from './fuzz-case.js';
import { repoRoot } from './repo-root.js';
import type { FromWorker, ToWorker } from './run-case.js';

export interface SupervisorOptions {
  jobs: number;
  timeCapMs: number;
  rssCapMb: number;
  /** V8 heap cap of each worker (MB). */
  heapMb: number;
  /** Start a fresh worker after this many cases (bounds slow leaks). */
  recycleAfter: number;
}

export interface Job {
  target: string;
  index: number;
  message: ToWorker;
}

const here = dirname(fileURLToPath(import.meta.url));

/** How to start a worker: the built worker.js, or worker.ts through tsx against the sources. */
function workerCommand(): { path: string; execArgv: string[]; env: NodeJS.ProcessEnv } {
  const built = join(here, 'worker.js');
  if (existsSync(built)) return { path: built, execArgv: [], env: { ...process.env, KILN_FUZZ_WORKER: '1' } };
  return {
    path: join(here, 'worker.ts'),
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, KILN_FUZZ_WORKER: '1', TSX_TSCONFIG_PATH: join(repoRoot(), 'tsconfig.dev.json') },
  };
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

class Slot {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private stderr = '';
  private served = 0;
  /** The case a worker is running; `child` is that worker, so a retired worker's late exit is not blamed on it. */
  private inFlight:
    | { job: Job; child: ChildProcess; resolve: (r: CaseResult) => void; timer: NodeJS.Timeout; startedAt: number }
    | undefined;
  private killedFor: 'hang' | 'memory' | undefined;
  peakRssMb = 0;

  constructor(private readonly options: SupervisorOptions) {}

  private start(): Promise<void> {
    const cmd = workerCommand();
    const child = fork(cmd.path, [], {
      execArgv: [...cmd.execArgv, `--max-old-space-size=${this.options.heapMb}`],
      env: cmd.env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    this.stderr = '';
    this.served = 0;
    this.killedFor = undefined;
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8192);
    });
    let onReady: () => void;
    let onFail: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => {
      onReady = res;
      onFail = rej;
    });
    child.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready') onReady();
      else if (msg.type === 'result' && this.inFlight?.child === child) {
        const f = this.inFlight;
        this.inFlight = undefined;
        clearTimeout(f.timer);
        f.resolve(msg.result);
      }
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      onFail(new Error(`worker exited before it was ready (code ${code}, signal ${signal}): ${this.stderr.slice(-2000)}`));
      // A worker retired for recycling can take a moment to die (tearing down a large address
      // space); by then the next case may be in flight on its successor.
      const f = this.inFlight;
      if (!f || f.child !== child) return;
      this.inFlight = undefined;
      clearTimeout(f.timer);
      f.resolve({ index: f.job.index, ...classifyExit(signal, code, this.stderr, this.killedFor), ms: Date.now() - f.startedAt });
    });
    return ready;
  }

  /** Kills the worker if it is over the RSS cap; called by the watchdog. */
  watch(): void {
    const child = this.child;
    if (!child?.pid || !this.inFlight) return;
    const rss = rssMb(child.pid);
    this.peakRssMb = Math.max(this.peakRssMb, rss);
    if (rss > this.options.rssCapMb) {
      this.killedFor = 'memory';
      child.kill('SIGKILL');
    }
  }

  async run(job: Job): Promise<CaseResult> {
    if (!this.child || this.served >= this.options.recycleAfter) {
      this.stop();
      this.ready = this.start();
    }
    await this.ready;
    const child = this.child!;
    this.served++;
    return new Promise<CaseResult>((res) => {
      const timer = setTimeout(() => {
        this.killedFor = 'hang';
        child.kill('SIGKILL');
      }, this.options.timeCapMs);
      this.inFlight = { job, child, resolve: res, timer, startedAt: Date.now() };
      child.send(job.message);
    });
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/**
 * Runs `jobs` through the worker pool; `onResult` sees each result as it arrives. A job
 * whose worker failed to start is reported as a crash of that case.
 */
export async function runJobs(
  jobs: AsyncIterable<Job> | Iterable<Job>,
  options: SupervisorOptions,
  onResult: (job: Job, result: CaseResult) => void | Promise<void>,
): Promise<{ peakRssMb: number }> {
  const slots = Array.from({ length: Math.max(1, options.jobs) }, () => new Slot(options));
  const watchdog = setInterval(() => {
    for (const s of slots) s.watch();
  }, 100);
  const iterator = (Symbol.asyncIterator in jobs ? jobs[Symbol.asyncIterator]() : (jobs as Iterable<Job>)[Symbol.iterator]()) as
    | AsyncIterator<Job>
    | Iterator<Job>;
  let lock: Promise<unknown> = Promise.resolve();
  const nextJob = (): Promise<IteratorResult<Job>> => {
    const p = lock.then(() => iterator.next());
    lock = p.catch(() => undefined);
    return p;
  };
  try {
    await Promise.all(
      slots.map(async (slot) => {
        for (;;) {
          const n = await nextJob();
          if (n.done) return;
          let result: CaseResult | undefined;
          // A worker that cannot start (sources mid-edit, a transient resource limit) is not the
          // case's fault: retry a few times before blaming it.
          for (let attempt = 1; !result; attempt++) {
            try {
              result = await slot.run(n.value);
            } catch (e) {
              slot.stop();
              if (attempt >= 3) {
                result = {
                  index: n.value.index,
                  outcome: 'crash',
                  kind: 'worker start',
                  message: String((e as Error).message).slice(0, 600),
                };
              } else {
                await new Promise((r) => setTimeout(r, 2000 * attempt));
              }
            }
          }
          await onResult(n.value, result);
        }
      }),
    );
  } finally {
    clearInterval(watchdog);
    for (const s of slots) s.stop();
  }
  return { peakRssMb: Math.max(...slots.map((s) => s.peakRssMb)) };
}

export type { FuzzCase };
