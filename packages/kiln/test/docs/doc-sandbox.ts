/**
 * A folder where a page's code blocks run as a user's project would: `kiln` resolves to the
 * built umbrella package (node_modules/kiln-inference links to packages/kiln), `kiln` on the PATH is the
 * built CLI (with the umbrella's dev tools, e.g. esbuild), and the files the page names are
 * linked in. Blocks of one page share the folder,
 * so a block can use what an earlier one wrote.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CodeBlock, DocFile } from './markdown-code-blocks.js';

export interface BlockResult {
  status: number | null;
  /** stdout and stderr interleaved, as a terminal shows them. */
  output: string;
}

const BLOCK_TIMEOUT_MS = 120_000;

/**
 * This process's environment as a user's shell would have it: without pnpm's NODE_PATH (which
 * resolves packages a user's project does not have) and without the KILN_* switches a test run
 * sets (CI's KILN_REQUIRE_NATIVE=1 would make a page's own examples of those switches moot).
 */
function userEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_PATH' && !name.startsWith('KILN_')));
}

export class DocSandbox {
  readonly dir: string;
  private readonly tsx: string;

  constructor(
    readonly repoRoot: string,
    files: readonly DocFile[],
    corpus: string | undefined,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'kiln-doc-'));
    this.tsx = createRequire(join(repoRoot, 'package.json')).resolve('tsx/cli');
    writeFileSync(join(this.dir, 'package.json'), '{ "type": "module", "private": true }\n');
    mkdirSync(join(this.dir, 'node_modules'));
    symlinkSync(join(repoRoot, 'packages/kiln'), join(this.dir, 'node_modules/kiln-inference'));
    mkdirSync(join(this.dir, '.bin'));
    const shim = join(this.dir, '.bin/kiln');
    writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'packages/kiln/dist/cli.js')}" "$@"\n`);
    chmodSync(shim, 0o755);
    for (const file of files) {
      const base = file.source.kind === 'corpus' ? corpus : repoRoot;
      if (!base) throw new Error(`${file.name} comes from the corpus, which is missing`);
      mkdirSync(dirname(join(this.dir, file.name)), { recursive: true });
      symlinkSync(join(base, file.source.path), join(this.dir, file.name));
    }
  }

  run(block: CodeBlock): BlockResult {
    const logFile = join(this.dir, `.block-${block.line}.log`);
    const log = openSync(logFile, 'w');
    try {
      const bin = [join(this.dir, '.bin'), join(this.repoRoot, 'packages/kiln/node_modules/.bin')];
      const env = { ...userEnvironment(), PATH: `${bin.join(':')}:${process.env.PATH}`, NO_COLOR: '1' };
      const options = { cwd: this.dir, env, stdio: ['ignore', log, log] as ['ignore', number, number], timeout: BLOCK_TIMEOUT_MS };
      let status: number | null;
      if (block.language === 'ts') {
        const file = join(this.dir, block.file ?? `block-${block.line}.ts`);
        writeFileSync(file, block.code);
        status = spawnSync(process.execPath, [this.tsx, file], options).status;
      } else if (block.language === 'sh') {
        status = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', block.code], options).status;
      } else {
        throw new Error(`line ${block.line}: cannot run a '${block.language}' block (ts and sh run)`);
      }
      return { status, output: readFileSync(logFile, 'utf8') };
    } finally {
      closeSync(log);
    }
  }
}
