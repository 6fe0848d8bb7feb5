/**
 * create → run → dispose → exit with default options (the execution Worker loads kiln_cpu.node)
 * once segfaulted at exit in 20–65% of fresh processes: ending the Worker unloaded the addon
 * while its thread pool still ran. Twenty fresh processes must all exit 0 with correct outputs.
 * Uses the built package: run `pnpm build` before running this file alone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const PROCESSES = 20;

// The example model on its own input; prints max |output − expected|.
const CHILD = `
import { InferenceSession, parseNpy } from ${JSON.stringify(join(root, 'packages/kiln/dist/index.js'))};
import { readFileSync } from 'node:fs';
const example = (f) => ${JSON.stringify(join(root, 'examples/tiny-cnn'))} + '/' + f;
const npy = (f) => parseNpy(new Uint8Array(readFileSync(example(f))));
const session = await InferenceSession.create(example('model.onnx'));
const outputs = await session.run({ image: npy('input.npy') });
await session.dispose();
const actual = Object.values(outputs)[0].toArray(), expected = npy('expected_output.npy').toArray();
console.log(actual.length === expected.length ? Math.max(...actual.map((v, i) => Math.abs(v - expected[i]))) : -1);
`;

const childFile = join(mkdtempSync(join(tmpdir(), 'kiln-session-lifetime-')), 'child.mjs');
writeFileSync(childFile, CHILD);

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(args: string[] = [childFile]): Promise<ChildResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

describe('sessions in fresh processes with default options', () => {
  it(`${PROCESSES} × create, run, dispose, exit: every process exits 0 with the right output`, async () => {
    const results: ChildResult[] = [];
    for (let i = 0; i < PROCESSES; i += 4) {
      results.push(...(await Promise.all(Array.from({ length: Math.min(4, PROCESSES - i) }, () => runChild()))));
    }
    const failures = results.filter((r) => r.code !== 0 || r.signal !== null);
    expect(
      failures.map((r) => `exit ${r.code} signal ${r.signal}: ${r.stderr.slice(0, 400)}`),
      `${failures.length} of ${PROCESSES} processes failed`,
    ).toEqual([]);
    for (const r of results) {
      const diff = Number(r.stdout.trim());
      expect(diff).toBeGreaterThanOrEqual(0);
      expect(diff).toBeLessThanOrEqual(1e-5);
    }
  }, 300_000);

  // The execution Worker inherits the process's Node options; `--input-type` (any `node -e`
  // module script) and V8 options such as --expose-gc must not stop it from starting.
  it('runs in worker mode from `node --expose-gc --input-type=module -e`', async () => {
    const r = await runChild(['--expose-gc', '--input-type=module', '-e', CHILD]);
    expect(r.code, r.stderr.slice(0, 400)).toBe(0);
    expect(Number(r.stdout.trim())).toBeLessThanOrEqual(1e-5);
  }, 120_000);
});
