/**
 * Runs a plan in its own worker thread so inference never blocks the event loop. The plan's
 * bytes (and the context's resource limits) are sent once when the worker starts; each run
 * posts feeds and awaits outputs. A worker that dies fails every pending run, and every later
 * one, with a KilnError; an idle worker never keeps the process alive.
 */
import type { Worker } from 'node:worker_threads';
import { ErrorCode, KilnError, type ResourceLimits } from '@kiln/core';
import type { RuntimeValue } from '@kiln/cpu-runtime';
import type { BackendRunner } from '../backend.js';
import type { EngineWorkerData } from '../worker/engine-worker.js';
import { errorFromWire, fromWire, toWire, type WorkerResponse } from '../worker/wire.js';
import { workerFailure } from './worker-failure.js';

/** Starts the worker script (engine-worker) with the given workerData. */
export type StartWorker = (workerData: EngineWorkerData) => Worker;

interface Pending {
  resolve(outputs: Map<string, RuntimeValue>): void;
  reject(error: Error): void;
}

export class WorkerRunner implements BackendRunner {
  readonly offThread = true;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: KilnError | undefined;
  /** Set when the worker reports that its plan loaded. */
  private started = false;

  constructor(startWorker: StartWorker, planBytes: Uint8Array, kernels: 'native' | 'reference' = 'native', limits?: ResourceLimits) {
    this.worker = startWorker({ planBytes, kernels, ...(limits ? { limits } : {}) });
    this.worker.on('message', (m: WorkerResponse) => this.settle(m));
    this.worker.on('error', (error) => this.fail(workerFailure({ error, started: this.started })));
    this.worker.on('exit', (exitCode) => this.fail(workerFailure({ exitCode, started: this.started })));
    // After the listeners: adding a 'message' listener refs the worker's port again. An idle
    // context must not keep the process alive; a run in flight does (run() refs it).
    this.worker.unref();
  }

  run(feeds: Map<string, RuntimeValue>): Promise<Map<string, RuntimeValue>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const { wire, transfer } = toWire(feeds);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      try {
        this.worker.postMessage({ id, feeds: wire }, transfer);
      } catch (e) {
        this.forget(id);
        reject(
          new KilnError(ErrorCode.INVALID_ARGUMENT, `the feeds could not be sent to the execution worker: ${String(e)}`, { cause: e }),
        );
      }
    });
  }

  /** Pending runs reject with ABORTED; the worker is ended. */
  async dispose(): Promise<void> {
    this.fail(
      new KilnError(ErrorCode.ABORTED, 'the execution context was disposed', {
        hint: 'await every run before dispose(), or create a new execution context',
      }),
    );
    await this.worker.terminate();
  }

  private settle(m: WorkerResponse): void {
    if (m.id === null) {
      if (m.ok) this.started = true;
      else this.fail(errorFromWire(m.error));
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.forget(m.id);
    if (m.ok) p.resolve(fromWire(m.outputs));
    else p.reject(errorFromWire(m.error));
  }

  private forget(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private fail(error: KilnError): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.worker.unref();
  }
}
