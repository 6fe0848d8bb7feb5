/**
 * A CPU context that falls back to a slower path says so once per process, with the reason and
 * the fix: the reference kernels when kiln_cpu.node does not load, the calling thread when the
 * worker script is not found. The failures are forced through the environment variables that
 * point at the natives (KILN_CPU_NATIVE_PATH, KILN_ENGINE_WORKER_PATH), in a child process
 * running the built umbrella; run `pnpm build` before running this file alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expectTensorClose, readNpyFile } from '@kiln-inference/testkit';
import { Tensor } from 'kiln-inference';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const umbrella = join(root, 'packages/kiln/dist/index.js');
const example = (f: string) => join(root, 'examples/tiny-cnn', f);
const input = readNpyFile(example('input.npy'));
const expected = readNpyFile(example('expected_output.npy'));

// Two sessions, two runs each: the warning must still appear once.
const script = `
const kiln = await import(${JSON.stringify(pathToFileURL(umbrella).href)});
const input = kiln.Tensor.fromValues('float32', ${JSON.stringify(input.shape)}, ${JSON.stringify([...input.data])});
let last;
for (let s = 0; s < 2; s++) {
  const session = await kiln.InferenceSession.create(${JSON.stringify(example('model.onnx'))});
  for (let r = 0; r < 2; r++) last = Object.values(await session.run({ [session.inputNames[0]]: input }))[0];
  await session.release();
}
console.log(JSON.stringify([...last.data]));
`;

function runWith(env: Record<string, string>) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // CI's KILN_REQUIRE_NATIVE=1 would turn the forced load failure into an error instead.
  delete childEnv.KILN_REQUIRE_NATIVE;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: root, env: childEnv });
  expect(r.status, r.stderr).toBe(0);
  expectTensorClose(Tensor.fromValues('float32', expected.shape, JSON.parse(r.stdout) as number[]), expected, { rtol: 1e-5, atol: 1e-6 });
  return r.stderr.split('\n').filter((line) => line.includes('KilnPerformanceWarning'));
}

describe('loud fallbacks', () => {
  it('is built', () => {
    expect(existsSync(umbrella), `${umbrella} is missing: run pnpm build`).toBe(true);
  });

  it('warns once, with the load error and the fix, when kiln_cpu.node does not load', () => {
    const warnings = runWith({ KILN_CPU_NATIVE_PATH: '/nonexistent/kiln_cpu.node' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/\[KILN_REFERENCE_KERNELS\] KilnPerformanceWarning: kiln_cpu\.node did not load/);
    expect(warnings[0]).toContain('Why: /nonexistent/kiln_cpu.node not found');
    expect(warnings[0]).toContain(`install the prebuilt addon for ${process.platform}-${process.arch}`);
  });

  it('warns once, naming the missing script, when runs fall back to the calling thread', () => {
    const warnings = runWith({ KILN_ENGINE_WORKER_PATH: '/nonexistent/engine-worker.js' });
    const mainThread = warnings.filter((w) => w.includes('[KILN_MAIN_THREAD]'));
    expect(mainThread).toHaveLength(1);
    expect(mainThread[0]).toContain('block the event loop. Why: KILN_ENGINE_WORKER_PATH=/nonexistent/engine-worker.js does not exist');
  });

  it('stays quiet when the slower path is chosen explicitly (KILN_DISABLE_NATIVE=1)', () => {
    expect(runWith({ KILN_DISABLE_NATIVE: '1' })).toEqual([]);
  });
});
