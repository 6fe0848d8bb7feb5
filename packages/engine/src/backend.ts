/**
 * The backend interface: what the Engine needs from a device. The CPU reference backend
 * implements it today; the native CPU and CUDA backends plug in behind the same interface.
 */
import type { ResourceLimits } from '@kiln-inference/core';
import type { RuntimeValue } from '@kiln-inference/cpu-runtime';
import type { BackendName, DeviceInfo, PluginRef } from './plan/manifest.js';
import type { Plan } from './plan/plan.js';

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

export interface Backend {
  readonly name: BackendName;
  device(): DeviceInfo;
  hasPlugin(ref: PluginRef): boolean;
  /**
   * Starts one context's runner. Synchronous so contexts are created like TensorRT's; device
   * work a runner needs (allocations, loading the plan in a worker) happens before its first run
   * completes. `planBytes` is the serialized plan, for runners that load it elsewhere. `limits`
   * are the context's resource limits, in force wherever its kernels run.
   */
  createRunner(plan: Plan, planBytes: () => Uint8Array, limits?: ResourceLimits): BackendRunner;
}
