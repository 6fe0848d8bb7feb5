/**
 * CUDA tactic candidates and timings as data. kiln_cuda.node times the candidates of every
 * convolution and GEMM itself while it creates a CudaProgram, and reports, per op it runs, the
 * Program op number, the ops folded into it (a residual add), the chosen tactic and workspace,
 * and every candidate it timed (CudaProgram.info.ops). So listing a program's candidates creates
 * it on the device once; time() answers from that creation (profiling the ops that had a single
 * candidate) and frees it. Ops whose tactic is forced in the Program are not timed.
 */
import type { Program } from '@kiln-inference/core';
import type { CudaPrecision, CudaProgram } from '@kiln-inference/cuda-runtime';
import type { TacticCandidate, TacticTiming } from '@kiln-inference/engine';
import { cudaRuntime } from './cuda-runtime-module.js';

/** Profiled runs per op that had one candidate (its time is still recorded). */
const PROFILE_ITERATIONS = 5;

export class CudaTactics {
  /** Programs created by tacticCandidates and not yet timed. */
  private readonly created = new WeakMap<Program, Promise<CudaProgram>>();

  constructor(private readonly options: { precision: CudaPrecision; device?: number }) {}

  async candidates(program: Program, ops: readonly number[]): Promise<TacticCandidate[]> {
    const cuda = await this.programFor(program);
    const wanted = new Set(ops);
    return cuda.info.ops
      .filter((op) => wanted.has(op.opIndex))
      .flatMap((op) => {
        const tried = op.trials.length > 0 ? op.trials : [{ tactic: op.tactic, workspaceBytes: op.workspaceBytes }];
        return tried.map((t) => ({ opIndex: op.opIndex, tactic: t.tactic, workspaceBytes: t.workspaceBytes, foldedOps: op.fusedOps }));
      });
  }

  async time(program: Program, candidates: readonly TacticCandidate[]): Promise<TacticTiming[]> {
    const cuda = await this.programFor(program);
    this.created.delete(program);
    try {
      const ran = new Map(cuda.info.ops.map((op) => [op.opIndex, op]));
      const trialMs = (c: TacticCandidate) => ran.get(c.opIndex)?.trials.find((t) => t.tactic === c.tactic)?.ms;
      // An op that ran with its only candidate was not timed while the program was created.
      const ranAlone = (c: TacticCandidate) => trialMs(c) === undefined && ran.get(c.opIndex)?.tactic === c.tactic;
      const profiled = candidates.some(ranAlone)
        ? new Map((await cuda.profile(PROFILE_ITERATIONS)).map((r) => [r.opIndex, r.ms]))
        : undefined;
      return candidates.flatMap((c) => {
        const ms = trialMs(c) ?? (ranAlone(c) ? profiled?.get(c.opIndex) : undefined);
        return ms === undefined ? [] : [{ ...c, ms }];
      });
    } finally {
      await cuda.dispose();
    }
  }

  private programFor(program: Program): Promise<CudaProgram> {
    let created = this.created.get(program);
    if (!created) {
      const { precision, device } = this.options;
      created = cudaRuntime().CudaProgram.create(program, { precision, ...(device !== undefined ? { device } : {}) });
      this.created.set(program, created);
    }
    return created;
  }
}
