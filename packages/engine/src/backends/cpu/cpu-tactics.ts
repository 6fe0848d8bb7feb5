/**
 * Tactic candidates and timing on this CPU: candidates and their workspace from kiln_cpu.node,
 * each timed as a one-op native program (the op alone, its activations as inputs).
 */
import { arch } from 'node:os';
import type { Program, ProgramData, ProgramOp } from '@kiln-inference/core';
import { loadCpuNative, NativeProgram, nativeProgramTactics, nativeProgramWorkspaceBytes } from '@kiln-inference/cpu-runtime';
import type { TacticCandidate, TacticTiming } from '../../program-backend.js';
import { singleOpProgram } from '../../tactics/select-tactics.js';

const WARMUP_RUNS = 2;
const TIMED_RUNS = 5;

/** The timing-cache device key of this CPU, or undefined when kiln_cpu.node is not loaded. */
export function cpuTacticDevice(): string | undefined {
  const native = loadCpuNative();
  if (!native.ok) return undefined;
  return `cpu ${arch()} ${native.addon.microKernel()} ${native.addon.threadCount()} threads`;
}

export function cpuTacticCandidates(program: Program, ops: readonly number[]): TacticCandidate[] {
  return ops.flatMap((opIndex) => {
    const op = program.ops[opIndex]!;
    return nativeProgramTactics(op, program.values).map((tactic) => ({
      opIndex,
      tactic,
      workspaceBytes: nativeProgramWorkspaceBytes(op, program.values, tactic),
    }));
  });
}

/** Median milliseconds of each candidate, its op run alone. */
export async function timeCpuTactics(program: Program, candidates: readonly TacticCandidate[]): Promise<TacticTiming[]> {
  const timings: TacticTiming[] = [];
  const single = new Map<number, ReturnType<typeof singleOpProgram>>();
  for (const candidate of candidates) {
    let op = single.get(candidate.opIndex);
    if (!op) {
      op = singleOpProgram(program.ops[candidate.opIndex]!, program);
      single.set(candidate.opIndex, op);
    }
    const timed: Program = { ...op.program, ops: [{ ...op.program.ops[0]!, tactic: candidate.tactic } as ProgramOp] };
    timings.push({ ...candidate, ms: await timeProgram(timed, op.inputs) });
  }
  return timings;
}

async function timeProgram(program: Program, inputs: readonly ProgramData[]): Promise<number> {
  const runner = NativeProgram.create(program);
  try {
    for (let i = 0; i < WARMUP_RUNS; i++) await runner.run(inputs);
    const times: number[] = [];
    for (let i = 0; i < TIMED_RUNS; i++) {
      const t0 = performance.now();
      await runner.run(inputs);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[TIMED_RUNS >> 1]!;
  } finally {
    runner.dispose();
  }
}
