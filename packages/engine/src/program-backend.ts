/**
 * The backend interface: what the builder and the Engine need from a device that runs Programs.
 * The engine implements it for the CPU (backends/cpu); other backends (CUDA) implement it in
 * their own modules and join a BackendRegistry, so the engine itself never loads their bindings.
 * Everything a backend reports is data: support verdicts with reasons, tactic candidates by op
 * number with their workspace, and timings.
 */
import type { AnyLayer, Network, Program, ProgramData, ProgramOp, ResourceLimits } from '@kiln-inference/core';
import type { BackendRunner } from './backend.js';
import type { ProgramSupport } from './lowering/program-support.js';
import type { BackendName, DeviceInfo, PlanPrecision, PluginRef } from './plan/manifest.js';
import type { Plan } from './plan/plan.js';

/** One implementation an op of a Program may run with. */
export interface TacticCandidate {
  /** The op's number in the Program. */
  opIndex: number;
  tactic: string;
  /** Scratch bytes the op needs with this tactic. */
  workspaceBytes: number;
  /**
   * Program ops the executor folded into this one (a residual add into its convolution). Such an
   * op chooses among other candidates than the op alone, so its timings are not cached.
   */
  foldedOps?: readonly number[];
}

/** A candidate as timed on the device. */
export interface TacticTiming extends TacticCandidate {
  /** Milliseconds per run of the op. */
  ms: number;
}

/** A Program created on a device: one native call per run. */
export interface ProgramRunner {
  run(inputs: readonly ProgramData[]): Promise<ProgramData[]>;
  dispose(): void | Promise<void>;
}

export interface ProgramBackend {
  readonly name: BackendName;
  /** Precisions a plan for this backend may be built with; the first is the default. */
  readonly precisions: readonly PlanPrecision[];
  device(): DeviceInfo;
  /** Plans are built and tuned for one device model and load only on that model (type and arch): GPUs, not CPUs. */
  readonly deviceSpecificPlans: boolean;
  hasPlugin(ref: PluginRef): boolean;
  /**
   * Whether `layer` of `network` lowers to Program ops this backend runs, and why not.
   * `isConstant` says whether a tensor's value is known at build time.
   */
  support(layer: AnyLayer, network: Network, isConstant: (tensor: string) => boolean): ProgramSupport;
  /**
   * The timing cache's device key (device model, settings, threads), or undefined when tactics
   * cannot be timed here (the native executor is not loaded).
   */
  tacticDevice(): string | undefined;
  /** Whether an op has several implementations to choose from. */
  tunable(op: ProgramOp): boolean;
  /** The candidates of the given ops of `program` (ops not listed keep their own or forced tactic). */
  tacticCandidates(program: Program, ops: readonly number[]): Promise<TacticCandidate[]>;
  /** Times candidates that tacticCandidates returned for `program`; one timing per candidate it could run. */
  time(program: Program, candidates: readonly TacticCandidate[]): Promise<TacticTiming[]>;
  /** Creates a Program on the device; `limits` bound its values, arena and weights. */
  createProgram(program: Program, limits?: ResourceLimits): ProgramRunner | Promise<ProgramRunner>;
  /**
   * Starts one execution context's runner. Synchronous so contexts are created like TensorRT's;
   * device work a runner needs (allocations, loading the plan in a worker) happens before its
   * first run completes. `planBytes` is the serialized plan, for runners that load it elsewhere.
   * `limits` are the context's resource limits, in force wherever its kernels run.
   */
  createRunner(plan: Plan, planBytes: () => Uint8Array, limits?: ResourceLimits): BackendRunner;
}
