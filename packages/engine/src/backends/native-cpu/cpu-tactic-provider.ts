/** Tactic timing on this CPU: candidates from kiln_cpu.node, timed as one-op native programs. */
import { arch } from 'node:os';
import type { Program, ProgramData } from '@kiln-inference/core';
import { loadCpuNative, NativeProgram, nativeProgramTactics, nativeProgramWorkspaceBytes } from '@kiln-inference/cpu-runtime';
import type { TacticProvider } from '../../tactics/select-tactics.js';

const WARMUP_RUNS = 2;
const TIMED_RUNS = 5;

/** The native CPU's tactic provider, or undefined when kiln_cpu.node is not loaded. */
export function cpuTacticProvider(): TacticProvider | undefined {
  const native = loadCpuNative();
  if (!native.ok) return undefined;
  const device = `cpu ${arch()} ${native.addon.microKernel()} ${native.addon.threadCount()} threads`;
  return {
    device,
    candidates: (op, values) => nativeProgramTactics(op, values),
    workspaceBytes: (op, values, tactic) => nativeProgramWorkspaceBytes(op, values, tactic),
    time: (program, inputs) => timeProgram(program, inputs),
  };
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
