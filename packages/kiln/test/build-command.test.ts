/**
 * `kiln build`: the example model → a plan file that `kiln run` (InferenceSession) accepts and
 * that reproduces the model's expected output; with a timing cache, the second build times
 * nothing and writes the same bytes.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCpuNative } from '@kiln-inference/cpu-runtime';
import { expectTensorClose, readNpyFile, repoRoot } from '@kiln-inference/testkit';
import { deserializePlan, InferenceSession, type ProgressEvent } from 'kiln-inference';
import { describe, expect, it } from 'vitest';
import { buildModel, formatBuildSummary } from '../src/cli/commands/build.js';

const example = join(repoRoot(), 'examples/tiny-cnn');
const dir = mkdtempSync(join(tmpdir(), 'kiln-build-'));

describe('kiln build', () => {
  it('writes a plan that runs and reproduces the expected output', async () => {
    const output = join(dir, 'tiny.plan');
    const events: ProgressEvent[] = [];
    const summary = await buildModel(join(example, 'model.onnx'), { output, tune: false, onProgress: (e) => events.push(e) });
    expect(existsSync(output)).toBe(true);
    expect(summary.layers.after).toBeLessThanOrEqual(summary.layers.before);
    expect(formatBuildSummary(summary)).toMatch(/layers \d+ → \d+/);
    expect(events.map((e) => e.phase)).toEqual(expect.arrayContaining(['validate', 'optimize', 'memory']));
    const session = await InferenceSession.create(output);
    try {
      const input = readNpyFile(join(example, 'input.npy'));
      const out = await session.run({ [session.inputNames[0]!]: input });
      expectTensorClose(out[session.outputNames[0]!]!, readNpyFile(join(example, 'expected_output.npy')), { rtol: 1e-4, atol: 1e-5 });
    } finally {
      await session.dispose();
    }
  });

  it('refuses a precision the cpu backend does not have', async () => {
    await expect(buildModel(join(example, 'model.onnx'), { output: join(dir, 'x.plan'), precision: 'fp16' })).rejects.toThrow(
      /--precision fp16 is not available/,
    );
  });

  it.skipIf(!loadCpuNative().ok)('tunes tactics, and a warm timing cache gives a byte-identical plan without timing', async () => {
    const cache = join(dir, 'timing.json');
    // The model's batch is symbolic: tactics are timed at the profile's shape, never at a guessed one.
    const profile = { image: { min: [1, 1, 8, 8], opt: [1, 1, 8, 8], max: [1, 1, 8, 8] } };
    const first = await buildModel(join(example, 'model.onnx'), { output: join(dir, 'a.plan'), timingCache: cache, profile });
    expect(first.tactics.tuned).toBeGreaterThan(0);
    expect(first.tactics.fromCache).toBe(0);
    const events: ProgressEvent[] = [];
    const second = await buildModel(join(example, 'model.onnx'), {
      output: join(dir, 'b.plan'),
      timingCache: cache,
      profile,
      onProgress: (e) => events.push(e),
    });
    expect(second.tactics.tuned).toBe(0);
    expect(second.tactics.fromCache).toBe(first.tactics.tuned);
    expect(events.filter((e) => e.phase === 'tactics').every((e) => e.tacticsTried === 0)).toBe(true);
    const a = readFileSync(join(dir, 'a.plan'));
    const b = readFileSync(join(dir, 'b.plan'));
    // The first build measured, the second read the cache: only each choice's `source` differs.
    const planA = deserializePlan(new Uint8Array(a));
    const planB = deserializePlan(new Uint8Array(b));
    expect(Object.fromEntries(Object.entries(planB.tactics!.choices).map(([k, c]) => [k, c.tactic]))).toEqual(
      Object.fromEntries(Object.entries(planA.tactics!.choices).map(([k, c]) => [k, c.tactic])),
    );
    const third = await buildModel(join(example, 'model.onnx'), { output: join(dir, 'c.plan'), timingCache: cache, profile });
    expect(third.tactics.tuned).toBe(0);
    expect(Buffer.compare(readFileSync(join(dir, 'c.plan')), b)).toBe(0);
  });
});
