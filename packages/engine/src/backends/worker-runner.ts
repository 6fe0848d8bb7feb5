/**
 * Runs a plan in a worker thread so inference never blocks the event loop. The plan's bytes
 * (and the context's resource limits) are sent once, when the context takes its worker (a new
 * one, or an idle one from the pool); each run posts feeds and awaits outputs. A worker that
 * dies fails every pending run, and every later one, with a KilnError; an idle worker never
 * keeps the process alive. Disposing a context with no run in flight hands its worker back to
 * the pool.
 */
import { ErrorCode, KilnError, type ResourceLimits } from '@kiln-inference/core';
import type { RuntimeValue } from '@kiln-inference/cpu-runtime';
import type { BackendRunner } from '../backend.js';
import { errorFromWire, fromWire, toWire, type WorkerResponse } from '../worker/wire.js';
import { workerFailure } from './worker-failure.js';
import { leaseWorker, type StartWorker, type WorkerLease } from './worker-pool.js';

interface Pending {
  resolve(outputs: Map<string, RuntimeValue>): void;
  reject(error: Error): void;
}

export class WorkerRunner implements BackendRunner {
  readonly offThread = true;
  private readonly lease: WorkerLease;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: KilnError | undefined;
  /** Set when the worker reports that its plan loaded. */
  private started = false;

  constructor(
    startWorker: StartWorker,
    planBytes: Uint8Array,
    kernels: 'native' | 'reference' = 'native',
    limits?: ResourceLimits,
    pluginModules: readonly string[] = [],
  ) {
    this.lease = leaseWorker(
      startWorker,
      { planBytes, kernels, ...(limits ? { limits } : {}), ...(pluginModules.length > 0 ? { pluginModules: [...pluginModules] } : {}) },
      { message: (m) => this.settle(m), ended: (end) => this.fail(workerFailure({ ...end, started: this.started })) },
    );
  }

  run(feeds: Map<string, RuntimeValue>): Promise<Map<string, RuntimeValue>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const { wire, transfer } = toWire(feeds);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.lease.ref();
      try {
        this.lease.post({ id, feeds: wire }, transfer);
      } catch (e) {
        this.forget(id);
        reject(
          new KilnError(ErrorCode.INVALID_ARGUMENT, `the feeds could not be sent to the execution worker: ${String(e)}`, { cause: e }),
        );
      }
    });
  }

  /** Pending runs reject with ABORTED and the worker is ended; an idle, healthy one goes back to the pool. */
  async dispose(): Promise<void> {
    const reusable = this.failure === undefined && this.pending.size === 0;
    this.fail(
      new KilnError(ErrorCode.ABORTED, 'the execution context was disposed', {
        hint: 'await every run before dispose(), or create a new execution context',
      }),
    );
    await (reusable ? this.lease.release() : this.lease.end());
  }

  private settle(m: WorkerResponse): void {
    if (m.id === null) {
      if ('unloaded' in m) return;
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
    if (this.pending.size === 0) this.lease.unref();
  }

  private fail(error: KilnError): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.lease.unref();
  }
}
