/** Runs a plan on the calling thread (source mode, custom plugins); native stages still run off it. */
import type { RuntimeValue } from '@kiln/cpu-runtime';
import type { BackendRunner } from '../backend.js';
import type { PlanExecutor } from './native-cpu/plan-executor.js';

export class InlineRunner implements BackendRunner {
  readonly offThread = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly executor: PlanExecutor) {}

  /** Runs one at a time: native programs own one arena per context. */
  run(feeds: Map<string, RuntimeValue>): Promise<Map<string, RuntimeValue>> {
    const next = this.queue.then(() => this.executor.runValues(feeds));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async dispose(): Promise<void> {
    await this.queue;
    this.executor.dispose();
  }
}
