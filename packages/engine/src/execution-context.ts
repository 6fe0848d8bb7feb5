/**
 * ExecutionContext: one independent runner of an engine's plan (its own activation memory and,
 * on the CPU backend, its own worker thread). Feeds are validated here, once, for every runner
 * (worker, inline, CUDA) before anything is posted or computed.
 */
import { ErrorCode, KilnError, type Network, Tensor } from '@kiln-inference/core';
import { type Feeds, feedsToMap, type RuntimeValue, validateFeeds } from '@kiln-inference/cpu-runtime';
import type { BackendRunner } from './backend.js';
import { checkFeedsWithinProfile, type OptimizationProfile } from './hybrid/optimization-profile.js';

export interface RunOptions {
  /**
   * Rejects the run with ABORTED when fired before its outputs arrive. The computation already
   * handed to the backend finishes in the background and its outputs are dropped.
   */
  signal?: AbortSignal;
}

export class ExecutionContext {
  private disposed = false;

  constructor(
    private readonly network: Network,
    private readonly runner: BackendRunner,
    /** The plan's optimization profile: feeds outside it are refused before anything runs. */
    private readonly profile?: OptimizationProfile,
  ) {}

  /** True when runs execute off the calling thread (the event loop stays free). */
  get offThread(): boolean {
    return this.runner.offThread;
  }

  /** Runs once; every output must be a tensor (use runValues for networks with sequence outputs). */
  async run(feeds: Feeds, options: RunOptions = {}): Promise<Record<string, Tensor>> {
    const outputs = await this.runValues(feeds, options);
    for (const [name, v] of Object.entries(outputs)) {
      if (!(v instanceof Tensor)) {
        throw new KilnError(ErrorCode.RUNTIME_ERROR, `output '${name}' is ${v.toString()}, not a tensor`, {
          hint: 'call runValues() to receive tensor-sequence outputs',
        });
      }
    }
    return outputs as Record<string, Tensor>;
  }

  /** Runs once; feeds and outputs declared as sequences are TensorSequence values. */
  async runValues(feeds: Feeds, options: RunOptions = {}): Promise<Record<string, RuntimeValue>> {
    if (this.disposed) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'run() on a disposed execution context', {
        hint: 'create a new one with engine.createExecutionContext()',
      });
    }
    const { signal } = options;
    throwIfRunAborted(signal);
    const map = feedsToMap(feeds);
    validateFeeds(this.network, map);
    if (this.profile) checkFeedsWithinProfile(this.profile, map);
    const running = this.runner.run(map);
    const outputs = signal ? await abortable(running, signal) : await running;
    return Object.fromEntries(this.network.outputs.map((name) => [name, outputs.get(name)!]));
  }

  /** Ends the runner; runs still pending reject with a KilnError. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.runner.dispose();
  }
}

function throwIfRunAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new KilnError(ErrorCode.ABORTED, 'the run was aborted', {
      cause: signal.reason,
      hint: 'the AbortSignal passed to run() had fired',
    });
  }
}

/** Settles with `running`, or rejects with ABORTED as soon as `signal` fires. */
function abortable<T>(running: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(
        new KilnError(ErrorCode.ABORTED, 'the run was aborted', { cause: signal.reason, hint: 'the AbortSignal passed to run() fired' }),
      );
    };
    signal.addEventListener('abort', onAbort, { once: true });
    running.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
