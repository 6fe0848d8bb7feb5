/**
 * `kiln … | head -1`: the built CLI, spawned with a stdout pipe whose reading end is closed
 * before the CLI writes, exits 0 without a word instead of an EPIPE stack trace; failures still
 * exit 1 with their message on stderr. `pnpm test` builds first; run `pnpm build` before
 * running this file alone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';

const root = repoRoot();
const cli = join(root, 'packages/kiln/dist/cli.js');
const example = (f: string) => join(root, 'examples/tiny-cnn', f);

/** Runs the CLI with its stdout closed at once, as a reader that stops reading does. */
function runWithClosedStdout(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('the CLI writing into a closed pipe', () => {
  it.each([
    ['inspect', ['inspect', example('model.onnx')]],
    ['inspect --json', ['inspect', example('model.onnx'), '--json']],
    ['--help', ['--help']],
    ['run', ['run', example('model.onnx'), '--input', example('input.npy'), '--output-dir', mkdtempSync(join(tmpdir(), 'kiln-epipe-'))]],
  ])('%s exits 0 quietly', async (_name, args) => {
    expect(await runWithClosedStdout(args)).toEqual({ status: 0, stderr: '' });
  });

  it('a failing command still exits 1 with its error on stderr', async () => {
    const { status, stderr } = await runWithClosedStdout(['inspect', example('missing.onnx')]);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^kiln: error \[\w+\]: .*missing\.onnx/);
  });
});
