/**
 * The docs' code blocks, run as a user would run them: every fenced block on these pages is
 * tagged `run` (executed against the built package and CLI, its output compared with the
 * `output` block after it) or `norun` (an install command), so an untested block cannot slip in.
 * `pnpm test` builds first; run `pnpm build` before running this file alone.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_MISSING_MESSAGE, corpusDir, repoRoot } from '@kiln-inference/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocSandbox } from './docs/doc-sandbox.js';
import { codeBlocks, docFiles, matchesExpectedOutput } from './docs/markdown-code-blocks.js';

const PAGES = ['docs/getting-started.md', 'docs/from-tf-trt.md', 'docs/platforms.md', 'packages/kiln/README.md'];
const BLOCK_TEST_TIMEOUT_MS = 180_000;

const root = repoRoot();
const corpus = corpusDir();

describe.each(PAGES)('%s', (page) => {
  const markdown = readFileSync(join(root, page), 'utf8');
  const blocks = codeBlocks(markdown);
  const files = docFiles(markdown);
  const needsCorpus = files.some((f) => f.source.kind === 'corpus');
  if (needsCorpus && !corpus) console.warn(`${page}: its code blocks read corpus models and are skipped. ${CORPUS_MISSING_MESSAGE}`);

  it('tags every code block run, output or norun, and puts each output block after a run block', () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.filter((b) => b.tag === undefined).map((b) => `line ${b.line}: '${b.language}' block`)).toEqual([]);
    const strayOutputs = blocks.filter((b, k) => b.tag === 'output' && blocks[k - 1]?.tag !== 'run');
    expect(strayOutputs.map((b) => `line ${b.line}`)).toEqual([]);
  });

  describe.skipIf(needsCorpus && !corpus)('its run blocks', () => {
    let sandbox: DocSandbox;
    beforeAll(() => {
      const cli = join(root, 'packages/kiln/dist/cli.js');
      if (!existsSync(cli)) throw new Error(`${cli} is missing: run pnpm build first`);
      sandbox = new DocSandbox(root, files, corpus);
    });
    afterAll(() => rmSync(sandbox.dir, { recursive: true, force: true }));

    blocks.forEach((block, k) => {
      if (block.tag !== 'run') return;
      const expected = blocks[k + 1]?.tag === 'output' ? blocks[k + 1]!.code : undefined;
      it(
        `line ${block.line}: the ${block.language} block exits 0${expected ? ' and prints the output shown' : ''}`,
        () => {
          const result = sandbox.run(block);
          expect(result.status, `the block failed:\n${result.output}`).toBe(0);
          if (expected !== undefined) {
            expect(matchesExpectedOutput(result.output, expected), `printed:\n${result.output}\nthe page shows:\n${expected}`).toBe(true);
          }
        },
        BLOCK_TEST_TIMEOUT_MS,
      );
    });
  });
});
