/**
 * Generating and executing one case: shared by the worker process, the parent (which
 * regenerates a case to save it as a reproducer) and the tests.
 */
import { acceptedResult, type CaseResult, classifyThrow, type FuzzCase } from './fuzz-case.js';
import { Rng } from './prng.js';
import { targetByName } from './targets/index.js';

export type ToWorker = { type: 'run'; target: string; seed: number; index: number } | { type: 'replay'; case: FuzzCase };
export type FromWorker = { type: 'ready' } | { type: 'result'; result: CaseResult };

/** Runs one case in this process and classifies how it ended. */
export async function executeCase(c: FuzzCase): Promise<CaseResult> {
  const target = targetByName(c.target);
  try {
    await target.execute(c, Rng.forCase(c.seed, `${c.target}:run`, c.index));
    return { index: c.index, ...acceptedResult(c.invalid), note: c.note };
  } catch (e) {
    return { index: c.index, ...classifyThrow(e, c.invalid), note: c.note };
  }
}

export async function generateCase(targetName: string, seed: number, index: number): Promise<FuzzCase> {
  const generated = await targetByName(targetName).generate(Rng.forCase(seed, targetName, index));
  return { target: targetName, seed, index, ...generated };
}
