/**
 * Worker generations leave no native threads behind: execution Workers that load kiln_cpu.node,
 * run kernels on its thread pool and end must give every thread back, however many come and go
 * (the pool is joined when the last environment using the addon ends, and started again by the
 * next). Counted from /proc in a fresh process whose main thread never loads the addon, as in
 * worker mode; Linux only.
 */
import { spawnSync } from 'node:child_process';
import { loadCpuNative } from '@kiln-inference/cpu-runtime';
import { loadNativeForTests, nativeSkipNote } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';

const native = loadNativeForTests('kiln_cpu.node', loadCpuNative);
const GENERATIONS = 6;

// Prints the process's thread count after each Worker generation has ended, as JSON.
const CHILD = `
const { readdirSync } = require('node:fs');
const { Worker } = require('node:worker_threads');
const WORKER = \`
  const { parentPort, workerData } = require('node:worker_threads');
  const addon = require(workerData.addon);
  const n = 96;
  addon.sgemm(new Float32Array(n * n).fill(1), new Float32Array(n * n).fill(1), n, n, n, false, false).then((c) => {
    parentPort.postMessage(c.every((v) => v === n) ? 'ok' : 'wrong');
  });
\`;
const threads = () => readdirSync('/proc/self/task').length;
function generation() {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { addon: process.env.KILN_TEST_ADDON } });
    let answer = 'none';
    w.on('message', (m) => { answer = m; });
    w.on('error', reject);
    w.on('exit', () => resolve(answer));
  });
}
(async () => {
  const counts = [];
  const answers = [];
  for (let i = 0; i < ${GENERATIONS}; i++) {
    answers.push(await generation());
    counts.push(threads());
  }
  process.stdout.write(JSON.stringify({ answers, counts }));
})();
`;

describe.skipIf(!native.ok || process.platform !== 'linux')(`native threads across Worker generations${nativeSkipNote(native)}`, () => {
  it(`${GENERATIONS} Workers that run kernels and end leave the thread count where the first left it`, () => {
    const child = spawnSync(process.execPath, ['-e', CHILD], {
      env: { ...process.env, KILN_TEST_ADDON: native.ok ? native.path : '' },
      encoding: 'utf8',
    });
    expect([child.status, child.signal, child.stderr]).toEqual([0, null, '']);
    const { answers, counts } = JSON.parse(child.stdout) as { answers: string[]; counts: number[] };
    expect(answers).toEqual(Array(GENERATIONS).fill('ok'));
    // After the first generation the libuv pool has started; from then on nothing accumulates.
    expect(counts).toEqual(Array(GENERATIONS).fill(counts[0]));
  }, 120_000);
});
