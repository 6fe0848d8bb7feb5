/**
 * The command line's usage surface (commander): help for every command, typo suggestions, and
 * exit code 2 for a wrong command line (1 stays for work that fails). Runs the built dist/cli.js.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';

const root = repoRoot();
const cli = join(root, 'packages/kiln/dist/cli.js');
const model = join(root, 'examples/tiny-cnn/model.onnx');
const kiln = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root });

const COMMANDS = ['doctor', 'inspect', 'build', 'partition', 'run', 'bench'];

describe('kiln usage', () => {
  it('kiln --help (and kiln alone) lists every command', () => {
    for (const r of [kiln('--help'), kiln()]) {
      expect(r.status).toBe(0);
      for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^ {2}${c} `, 'm'));
    }
  });

  it('every command has --help with its own options, and `kiln help COMMAND` says the same', () => {
    const flags: Record<string, string> = {
      doctor: '--json',
      inspect: '--input-shape <NAME=DIMS>',
      build: '-o, --output <FILE>',
      partition: '--min-segment-size <N>',
      run: '--output-dir <DIR>',
      bench: '--iterations <N>',
    };
    for (const c of COMMANDS) {
      const r = kiln(c, '--help');
      expect(r.status, `${c}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: kiln ${c} `));
      expect(r.stdout).toContain(flags[c]);
      expect(kiln('help', c).stdout).toBe(r.stdout);
    }
  });

  it('suggests the command or option meant, and exits 2', () => {
    const command = kiln('biuld');
    expect(command.status).toBe(2);
    expect(command.stderr).toMatch(/^kiln: error: unknown command 'biuld'\n\(Did you mean build\?\)/);
    const option = kiln('run', model, '--outptu-dir', 'x');
    expect(option.status).toBe(2);
    expect(option.stderr).toMatch(/^kiln: error: unknown option '--outptu-dir'\n\(Did you mean --output-dir\?\)/);
  });

  it('a missing argument, a missing value or a malformed value exits 2 naming it', () => {
    const cases: [string[], RegExp][] = [
      [['inspect'], /missing required argument 'MODEL'/],
      [['build', model], /required option '-o, --output <FILE>' not specified/],
      [['run', model, '--input'], /option '--input <NAME=FILE>' argument missing/],
      [['partition', model, '--min-segment-size', 'three'], /--min-segment-size takes a whole number, got 'three'/],
      [['build', model, '-o', 'x.plan', '--max-workspace', 'lots'], /--max-workspace 'lots' should be a byte count/],
      [['inspect', model, '--input-shape', 'x'], /--input-shape 'x' should look like NAME=1x28x28x1/],
      [['inspect', model, 'extra'], /too many arguments for 'inspect'/],
    ];
    for (const [args, message] of cases) {
      const r = kiln(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('keeps exit code 1 for work that fails', () => {
    const r = kiln('run', model, '--input', `nosuch=${join(root, 'examples/tiny-cnn/input.npy')}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^kiln: error \[UNKNOWN_FEED\]/);
  });
});
