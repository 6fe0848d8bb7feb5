/**
 * Execution workers kept between contexts. Each Worker costs a thread, a V8 isolate and a share
 * of glibc's per-thread malloc arenas, which keep pages from every worker generation that used
 * them: a process creating and disposing contexts one after another (a server reloading
 * models, a test suite) grew by megabytes over thousands of contexts while starting a worker
 * for each. A context disposed with its worker healthy and idle hands it back here instead: the
 * worker drops its plan and waits, unref'd (it never keeps the process alive), for the next
 * context started with the same StartWorker, or ends after IDLE_MS unused; at most
 * MAX_IDLE_WORKERS wait at once.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { EngineWorkerData, WorkerControl, WorkerResponse } from '../worker/wire.js';

/** Starts the worker script (engine-worker) with the given workerData. */
export type StartWorker = (workerData: EngineWorkerData) => Worker;

/** What a lease's holder hears from its worker. */
export interface WorkerListener {
  message(m: WorkerResponse): void;
  /** The worker failed or exited (terminated from outside, crashed, or never started). */
  ended(end: { error?: Error; exitCode?: number }): void;
}

/** How long an idle worker waits for a new context before it ends. */
const IDLE_MS = 10_000;
/**
 * Idle workers kept in the process, over every StartWorker (each context may bring its own):
 * more than the cores adds no throughput, only memory. Past it the longest idle one ends.
 */
export const MAX_IDLE_WORKERS = Math.min(4, Math.max(1, availableParallelism()));

class PooledWorker {
  listener: WorkerListener | undefined;
  ended = false;
  idleTimer: NodeJS.Timeout | undefined;
  idleSince = 0;

  constructor(
    readonly worker: Worker,
    readonly start: StartWorker,
  ) {
    worker.on('message', (m: WorkerResponse) => this.listener?.message(m));
    worker.on('error', (error) => this.end({ error }));
    worker.on('exit', (exitCode) => this.end({ exitCode }));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
  }

  private end(end: { error?: Error; exitCode?: number }): void {
    this.ended = true;
    dropIdle(this);
    this.listener?.ended(end);
  }
}

const idleWorkers = new Map<StartWorker, PooledWorker[]>();

function dropIdle(p: PooledWorker): void {
  clearTimeout(p.idleTimer);
  const idle = idleWorkers.get(p.start);
  const at = idle?.indexOf(p) ?? -1;
  if (at >= 0) idle!.splice(at, 1);
  if (idle?.length === 0) idleWorkers.delete(p.start);
}

function endLongestIdle(): void {
  let oldest: PooledWorker | undefined;
  for (const list of idleWorkers.values()) if (list[0] && (!oldest || list[0].idleSince < oldest.idleSince)) oldest = list[0];
  if (!oldest) return;
  dropIdle(oldest);
  void oldest.worker.terminate();
}

function idleCount(): number {
  let n = 0;
  for (const list of idleWorkers.values()) n += list.length;
  return n;
}

function takeIdle(start: StartWorker): PooledWorker | undefined {
  const p = idleWorkers.get(start)?.at(-1);
  if (p) dropIdle(p);
  return p;
}

/** A context's hold on one worker, from its start (or reuse) to its release or end. */
export class WorkerLease {
  constructor(private readonly pooled: PooledWorker) {}

  post(message: unknown, transfer: ArrayBuffer[] = []): void {
    this.pooled.worker.postMessage(message, transfer);
  }

  /** A run in flight keeps the process alive; an idle context does not. */
  ref(): void {
    this.pooled.worker.ref();
  }

  unref(): void {
    this.pooled.worker.unref();
  }

  /** Ends the worker (pending work is lost); its exit is no longer reported to the holder. */
  async end(): Promise<void> {
    this.pooled.listener = undefined;
    await this.pooled.worker.terminate();
  }

  /**
   * Drops the context's plan and hands the worker to the pool (ending the longest idle one
   * when the pool is full), or ends it where the worker did not answer. Only for a worker with
   * no run in flight.
   */
  async release(): Promise<void> {
    const p = this.pooled;
    if (p.ended) return this.end();
    const unloaded = await new Promise<boolean>((resolve) => {
      p.listener = { message: (m) => m.id === null && 'unloaded' in m && resolve(true), ended: () => resolve(false) };
      // The awaited dispose() keeps the process alive until the worker answers.
      p.worker.ref();
      try {
        p.worker.postMessage({ unload: true } satisfies WorkerControl);
      } catch {
        resolve(false);
      }
    });
    p.listener = undefined;
    p.worker.unref();
    if (!unloaded || p.ended) return this.end();
    while (idleCount() >= MAX_IDLE_WORKERS) endLongestIdle();
    p.idleSince = performance.now();
    p.idleTimer = setTimeout(() => {
      dropIdle(p);
      void p.worker.terminate();
    }, IDLE_MS).unref();
    idleWorkers.set(p.start, [...(idleWorkers.get(p.start) ?? []), p]);
  }
}

/**
 * A worker for a new context: an idle one started by `start` (sent the context's plan), else a
 * new one (given the plan as workerData). Either answers `{ id: null, ok }` once the plan loaded.
 */
export function leaseWorker(start: StartWorker, data: EngineWorkerData, listener: WorkerListener): WorkerLease {
  const reused = takeIdle(start);
  if (reused) {
    reused.listener = listener;
    reused.worker.postMessage({ load: data } satisfies WorkerControl);
    return new WorkerLease(reused);
  }
  const p = new PooledWorker(start(data), start);
  p.listener = listener;
  return new WorkerLease(p);
}

/**
 * Ends the workers kept idle for reuse (the next context starts a new one) and resolves once
 * they have exited: for a graceful shutdown, or to measure memory with no worker alive.
 */
export async function releaseIdleWorkers(): Promise<void> {
  const idle = [...idleWorkers.values()].flat();
  for (const p of idle) dropIdle(p);
  await Promise.all(idle.map((p) => p.worker.terminate()));
}
