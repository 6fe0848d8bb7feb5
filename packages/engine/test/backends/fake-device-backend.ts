/**
 * A ProgramBackend standing in for CUDA in tests without a GPU: the 'cuda' support table, two
 * tactics per convolution with fixed timings and workspace, programs run by the TypeScript
 * interpreter (created and disposed asynchronously, as CudaPrograms are), and the engine's
 * device runner. It records what the engine asked of it.
 */
import { ErrorCode, KilnError, type Program, type ProgramOp, type ResourceLimits } from '@kiln-inference/core';
import { interpretProgram } from '@kiln-inference/cpu-runtime';
import {
  type BackendRunner,
  createDeviceRunner,
  type DeviceInfo,
  type Plan,
  type PlanPrecision,
  type ProgramBackend,
  type ProgramRunner,
  programSupport,
  type TacticCandidate,
  type TacticTiming,
} from '../../src/index.js';

/** Milliseconds and workspace of each fake tactic: winograd is faster but needs scratch memory. */
export const FAKE_TACTICS: Record<string, { ms: number; workspaceBytes: number }> = {
  direct: { ms: 2, workspaceBytes: 0 },
  winograd: { ms: 1, workspaceBytes: 4096 },
};

export class FakeDeviceBackend implements ProgramBackend {
  readonly name = 'cuda' as const;
  readonly precisions: readonly PlanPrecision[] = ['fp32', 'fp16'];
  readonly deviceSpecificPlans = true;
  /** Programs created, in order. */
  readonly created: Program[] = [];
  disposed = 0;
  /** The candidates of each time() call. */
  readonly timed: TacticCandidate[][] = [];

  /** `refuse`: a layer whose ops createProgram refuses with UNSUPPORTED_LAYER, as the CUDA executor refuses what it cannot run. */
  constructor(private readonly refuse?: string) {}

  device(): DeviceInfo {
    return { type: 'Fake GPU', arch: '9.0' };
  }

  hasPlugin(): boolean {
    return false;
  }

  support: ProgramBackend['support'] = (layer, network, isConstant) => programSupport(layer, network, isConstant, 'cuda');

  tacticDevice(): string {
    return 'fake-gpu 9.0';
  }

  tunable(op: ProgramOp): boolean {
    return op.op === 'conv2d';
  }

  async tacticCandidates(_program: Program, ops: readonly number[]): Promise<TacticCandidate[]> {
    return ops.flatMap((opIndex) =>
      Object.entries(FAKE_TACTICS).map(([tactic, t]) => ({ opIndex, tactic, workspaceBytes: t.workspaceBytes })),
    );
  }

  async time(_program: Program, candidates: readonly TacticCandidate[]): Promise<TacticTiming[]> {
    this.timed.push([...candidates]);
    return candidates.map((c) => ({ ...c, ms: FAKE_TACTICS[c.tactic]!.ms }));
  }

  async createProgram(program: Program, _limits?: ResourceLimits): Promise<ProgramRunner> {
    await Promise.resolve();
    const refused = program.ops.find((op) => op.label === this.refuse);
    if (refused) {
      throw new KilnError(ErrorCode.UNSUPPORTED_LAYER, `the fake device cannot run '${refused.op}'`, { layer: { name: this.refuse! } });
    }
    this.created.push(program);
    return {
      run: async (inputs) => interpretProgram(program, inputs),
      dispose: async () => {
        this.disposed++;
      },
    };
  }

  createRunner(plan: Plan, _planBytes: () => Uint8Array, limits?: ResourceLimits): BackendRunner {
    return createDeviceRunner(plan, this, limits);
  }
}
