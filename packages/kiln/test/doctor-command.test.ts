/**
 * `kiln doctor` through the built CLI: what loads, why not, and what to do. Failures are forced
 * through the variables that point at the natives, never by deleting files; run `pnpm build`
 * before running this file alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const cli = join(root, 'packages/kiln/dist/cli.js');
const cpuAddon = join(root, 'packages/cpu-runtime/build/Release/kiln_cpu.node');

function doctor(env: Record<string, string>, ...args: string[]) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // The doctor reports a failed load under CI's KILN_REQUIRE_NATIVE=1 too; these cases force one.
  delete childEnv.KILN_REQUIRE_NATIVE;
  const r = spawnSync(process.execPath, [cli, 'doctor', ...args], { encoding: 'utf8', cwd: root, env: childEnv });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('kiln doctor', () => {
  it('is built', () => {
    expect(existsSync(cli), `${cli} is missing: run pnpm build`).toBe(true);
  });

  it('reports platform, Node ABI, the worker script and the natives as JSON', () => {
    const report = JSON.parse(doctor({}, '--json'));
    expect(report.platform).toBe(`${process.platform}-${process.arch}`);
    expect(report.abi).toEqual({ modules: process.versions.modules, napi: process.versions.napi });
    if (process.platform === 'linux') expect(report.libc).toMatch(/^(glibc \d+\.\d+|musl)$/);
    expect(report.worker).toEqual({
      found: true,
      path: join(root, 'packages/engine/dist/engine-worker.js'),
      detail: 'found (beside the engine)',
    });
    if (existsSync(cpuAddon)) {
      expect(report.nativeCpu.loaded).toBe(true);
      expect(report.nativeCpu.path).toBe(cpuAddon);
      if (process.arch === 'x64') expect(report.cpu.features).toContain('sse42');
    }
  });

  it('names the load error and the fix when kiln_cpu.node does not load', () => {
    const text = doctor({ KILN_CPU_NATIVE_PATH: '/nonexistent/kiln_cpu.node' });
    expect(text).toContain('native cpu    not loaded: /nonexistent/kiln_cpu.node not found');
    expect(text).toMatch(/to do\n {4}CPU plans run on the slow reference kernels: install the prebuilt kiln_cpu\.node for /);
  });

  it('names the missing worker script and the variable that points at it', () => {
    const report = JSON.parse(doctor({ KILN_ENGINE_WORKER_PATH: '/nonexistent/engine-worker.js' }, '--json'));
    expect(report.worker).toEqual({ found: false, detail: 'KILN_ENGINE_WORKER_PATH=/nonexistent/engine-worker.js does not exist' });
    expect(report.advice.some((a: string) => a.startsWith('CPU runs block the event loop'))).toBe(true);
  });
});
