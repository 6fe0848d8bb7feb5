/**
 * The addon's process-wide state against Worker threads that load it and end. Only the engine's
 * execution Worker loads kiln_cpu.node, and ending that Worker once unloaded the addon while its
 * thread pool still ran, a segfault at exit in up to two of three fresh processes. Each case
 * runs in fresh `node` processes (the failure was in process teardown) and must exit 0.
 */
import { spawn } from 'node:child_process';
import { loadNativeForTests, nativeSkipNote } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { loadCpuNative } from '../src/index.js';

const native = loadNativeForTests('kiln_cpu.node', loadCpuNative);
// KILN_LIFETIME_PROCESSES lowers the count where each process is slow (the ASan run).
const requested = Number(process.env.KILN_LIFETIME_PROCESSES);
const PROCESSES = Number.isInteger(requested) && requested > 0 ? requested : 20;

// One child process: Workers load the addon, run a GEMM on its pool (ones · ones = K
// everywhere), and end, by returning or by terminate() while a GEMM is in flight; the main
// thread never loads the addon, so each Worker's end drops the last environment using it.
const CHILD = `
const { Worker } = require('node:worker_threads');
const WORKER = \`
  const { parentPort, workerData } = require('node:worker_threads');
  const addon = require(workerData.addon);
  const n = workerData.n;
  parentPort.postMessage('loaded');
  addon.sgemm(new Float32Array(n * n).fill(1), new Float32Array(n * n).fill(1), n, n, n, false, false).then((c) => {
    parentPort.postMessage(c.every((v) => v === n) ? 'ok' : 'wrong');
  });
\`;
function runWorker(n, terminateEarly) {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { addon: process.env.KILN_TEST_ADDON, n } });
    let answer = 'none';
    w.on('message', (m) => {
      answer = m;
      if (m === 'loaded' && terminateEarly) w.terminate();
    });
    w.on('error', reject);
    w.on('exit', () => resolve(answer));
  });
}
(async () => {
  const first = await runWorker(96, false);
  const second = await runWorker(96, false);
  await runWorker(400, true);
  const both = await Promise.all([runWorker(64, false), runWorker(80, false)]);
  const answers = [first, second, ...both];
  if (answers.some((a) => a !== 'ok')) {
    console.error('unexpected answers: ' + answers.join(', '));
    process.exitCode = 3;
  }
})();
`;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function runChild(addon: string): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', CHILD], {
      env: { ...process.env, KILN_TEST_ADDON: addon },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe.skipIf(!native.ok)(`kiln_cpu.node across Worker threads${nativeSkipNote(native)}`, () => {
  it(`${PROCESSES} fresh processes whose Workers load, run, end (and are terminated mid-run) all exit cleanly`, async () => {
    const addon = native.ok ? native.path : '';
    const results: ChildResult[] = [];
    // A few at a time: the machine may be small, and each child starts five Workers.
    for (let i = 0; i < PROCESSES; i += 4) {
      results.push(...(await Promise.all(Array.from({ length: Math.min(4, PROCESSES - i) }, () => runChild(addon)))));
    }
    const failures = results.filter((r) => r.code !== 0 || r.signal !== null);
    expect(
      failures.map((r) => `exit ${r.code} signal ${r.signal}: ${r.stderr.slice(0, 400)}`),
      `${failures.length} of ${PROCESSES} processes failed`,
    ).toEqual([]);
  }, 300_000);
});
