/**
 * What one execution context holds on its backend (activation memory, worker, stream), and where
 * CPU contexts run. The backend that starts these runners is a ProgramBackend (program-backend.ts).
 */
import type { RuntimeValue } from '@kiln-inference/cpu-runtime';

/** Where a CPU context runs: a worker thread (never blocks the event loop) or the calling thread. */
export type ExecutionMode = 'auto' | 'worker' | 'inline';

/** One execution context's private state on the device (activation memory, worker, stream). */
export interface BackendRunner {
  /** True when runs happen off the calling thread. */
  readonly offThread: boolean;
  /** Values are tensors, or tensor sequences where the network declares sequence inputs/outputs. */
  run(feeds: Map<string, RuntimeValue>): Promise<Map<string, RuntimeValue>>;
  dispose(): Promise<void>;
}
