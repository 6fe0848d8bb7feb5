/**
 * What `build-addon.mjs cuda` compiles on which machine (native/scripts/cuda-build-choice.mjs),
 * through its --dry-run: a stand-in nvcc and nvidia-smi in a temporary PATH play the toolkit
 * and the GPU, so every case runs on any machine.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = resolve(__dirname, '../../../native/scripts/build-addon.mjs');

function executable(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

interface Machine {
  nvcc: boolean;
  /** Compute capabilities nvidia-smi prints, e.g. ['9.0']; none: no nvidia-smi. */
  gpus?: string[];
  arch?: string;
}

function dryRun(machine: Machine, ...flags: string[]) {
  const bin = mkdtempSync(join(tmpdir(), 'kiln-cuda-choice-'));
  const nvcc = machine.nvcc ? executable(bin, 'nvcc', 'exit 0') : join(bin, 'no-nvcc');
  if (machine.gpus) executable(bin, 'nvidia-smi', `printf '${machine.gpus.join('\\n')}\\n'`);
  const env: NodeJS.ProcessEnv = { PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`, CUDACXX: nvcc };
  if (machine.arch !== undefined) env.KILN_CUDA_ARCH = machine.arch;
  const r = spawnSync(process.execPath, [script, 'cuda', '--dry-run', ...flags], { encoding: 'utf8', env });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

describe('which kiln_cuda.node a machine builds', () => {
  it('builds nothing in a normal build on a machine without a GPU, and says how to ask', () => {
    const r = dryRun({ nvcc: true }, '--optional');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/would build nothing: no kiln_cuda\.node \(no GPU visible and KILN_CUDA_ARCH not set; set KILN_CUDA_ARCH/);
  });

  it('builds one architecture when asked explicitly without a GPU (CI: pnpm build:native)', () => {
    expect(dryRun({ nvcc: true }).out).toBe(
      'kiln: would build kiln_cuda.node for CUDA architectures 75 (no GPU visible; one architecture to load and test the binding)',
    );
  });

  it("builds for the visible GPU's architecture only", () => {
    expect(dryRun({ nvcc: true, gpus: ['9.0', '9.0'] }, '--optional').out).toBe(
      'kiln: would build kiln_cuda.node for CUDA architectures 90 (the GPU(s) nvidia-smi lists)',
    );
    expect(dryRun({ nvcc: true, gpus: ['8.6', '8.9'] }).out).toContain('CUDA architectures 86;89');
  });

  it('builds what KILN_CUDA_ARCH names, over the GPU, and the release set for "all"', () => {
    expect(dryRun({ nvcc: true, gpus: ['9.0'], arch: '8.0, 86-real' }, '--optional').out).toContain('CUDA architectures 80;86-real');
    expect(dryRun({ nvcc: true, arch: 'all' }, '--optional').out).toContain('for the release set of CUDA architectures');
  });

  it('refuses a KILN_CUDA_ARCH that is not a list of architectures', () => {
    const r = dryRun({ nvcc: true, arch: 'hopper' });
    expect(r.status).toBe(2);
    expect(r.out).toBe("kiln: KILN_CUDA_ARCH='hopper' is not a list of CUDA architectures; use e.g. 86, 8.6, 80,90, native or all");
  });

  it('without nvcc builds nothing when optional, the status-only variant when asked', () => {
    expect(dryRun({ nvcc: false, gpus: ['9.0'] }, '--optional').out).toBe('kiln: would build nothing: no kiln_cuda.node (nvcc not found)');
    expect(dryRun({ nvcc: false, arch: '90' }).out).toMatch(
      /^kiln: would build kiln_cuda\.node without CUDA, status only \(nvcc not found/,
    );
  });
});
