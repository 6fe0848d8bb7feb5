/**
 * Runs a plan in its own worker thread so inference never blocks the event loop. The plan's
 * bytes are sent once when the worker starts; each run posts feeds and awaits outputs.
 */
import type { Worker } from 'node:worker_threads';
import { ErrorCode, KilnError } from '@kiln/core';
import type { RuntimeValue } from '@kiln/cpu-runtime';
import type { BackendRunner } from '../backend.js';
import { errorFromWire, fromWire, toWire, type WorkerResponse } from '../worker/wire.js';

/** Starts the worker script (engine-worker) with the given workerData. */
export type StartWorker = (workerData: { planBytes: Uint8Array; kernels?: 'native' | 'reference' }) => Worker;

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

  constructor(startWorker: StartWorker, planBytes: Uint8Array, kernels: 'native' | 'reference' = 'native') {
    this.worker = startWorker({ planBytes, kernels });
    // An idle context must not keep the process alive; a run in flight does.
    this.worker.unref();
    this.worker.on('message', (m: WorkerResponse) => this.settle(m));
    this.worker.on('error', (e) =>
      this.fail(new KilnError(ErrorCode.RUNTIME_ERROR, `the execution worker failed: ${e.message}`, { cause: e })),
    );
    this.worker.on('exit', (code) =>
      this.fail(
        new KilnError(ErrorCode.RUNTIME_ERROR, `the execution worker exited (code ${code})`, { hint: 'create a new execution context' }),
      ),
    );
  }

  run(feeds: Map<string, RuntimeValue>): Promise<Map<string, RuntimeValue>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const { wire, transfer } = toWire(feeds);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, feeds: wire }, transfer);
    });
  }

  async dispose(): Promise<void> {
    this.fail(new KilnError(ErrorCode.INVALID_ARGUMENT, 'the execution context was disposed'));
    await this.worker.terminate();
  }

  private settle(m: WorkerResponse): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.ok) p.resolve(fromWire(m.outputs));
    else p.reject(errorFromWire(m.error));
  }

  private fail(error: KilnError): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
