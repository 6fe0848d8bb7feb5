/**
 * Runs a plan on the calling thread (CPU source mode, custom plugins; every CUDA context); native
 * stages still run off it. Like the worker runner, dispose() rejects every run that has not
 * settled with ABORTED, and frees the executor only once the run in progress has left native code.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { RuntimeValue } from '@kiln-inference/cpu-runtime';
import type { BackendRunner } from '../backend.js';
import type { PlanExecutor } from './cpu/plan-executor.js';

export class InlineRunner implements BackendRunner {
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  /** `offThread`: the plan's stages run on a device (CUDA), so runs leave the event loop free but for reference stages. */
  constructor(
    private readonly executor: Pick<PlanExecutor, 'runValues' | 'dispose'>,
    readonly offThread = false,
  ) {}

  /** Runs one at a time: native programs own one arena per context. */
  run(feeds: Map<string, RuntimeValue>): Promise<Map<string, RuntimeValue>> {
    const next = this.queue.then(async () => {
      if (this.disposed) throw disposedError();
      const outputs = await this.executor.runValues(feeds);
      if (this.disposed) throw disposedError();
      return outputs;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.queue;
    await this.executor.dispose();
  }
}

function disposedError(): KilnError {
  return new KilnError(ErrorCode.ABORTED, 'the execution context was disposed', {
    hint: 'await every run before dispose(), or create a new execution context',
  });
}
