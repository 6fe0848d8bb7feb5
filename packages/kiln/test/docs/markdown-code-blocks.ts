/**
 * The fenced code blocks of a markdown page and the doc-test comments that say how to run
 * them. A block's info string is its language and one tag: `run` (executed), `output` (what
 * the run block before it prints) or `norun` (shown only, e.g. an install command), and for a
 * run block optionally `file=NAME`, the file it is saved as (for later blocks to use). The page
 * names the files its blocks read in `<!-- doc-test files: NAME=SOURCE … -->`, SOURCE being a
 * repository path or `corpus:` + a path in the corpus.
 */

export type BlockTag = 'run' | 'output' | 'norun';

export interface CodeBlock {
  language: string;
  /** Undefined when the info string has no tag: the doc test refuses such blocks. */
  tag: BlockTag | undefined;
  code: string;
  /** The name a run block's code is saved under, when later blocks refer to it. */
  file?: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

export interface DocFile {
  /** The name a block uses, relative to the folder blocks run in. */
  name: string;
  source: { kind: 'repo' | 'corpus'; path: string };
}

const TAGS: readonly string[] = ['run', 'output', 'norun'];

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // Fences may be indented (a block inside a list item); the indent is not part of the code.
    const open = /^( *)(`{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const [language = '', tag, ...rest] = info.trim().split(/\s+/);
    const file = rest.find((w) => w.startsWith('file='))?.slice(5);
    const end = lines.findIndex((l, k) => k > i && l.trim() === fence);
    if (end < 0) throw new Error(`the code block opened at line ${i + 1} is never closed`);
    const code = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
    blocks.push({
      language,
      tag: tag !== undefined && TAGS.includes(tag) ? (tag as BlockTag) : undefined,
      code: `${code.join('\n')}\n`,
      ...(file ? { file } : {}),
      line: i + 1,
    });
    i = end;
  }
  return blocks;
}

export function docFiles(markdown: string): DocFile[] {
  const files: DocFile[] = [];
  for (const m of markdown.matchAll(/<!-- doc-test files: ([^>]*?) -->/g)) {
    for (const entry of m[1]!.trim().split(/\s+/)) {
      const [name, source] = entry.split('=');
      if (!name || !source) throw new Error(`doc-test file '${entry}' should read NAME=SOURCE`);
      files.push({
        name,
        source: source.startsWith('corpus:') ? { kind: 'corpus', path: source.slice(7) } : { kind: 'repo', path: source },
      });
    }
  }
  return files;
}

/**
 * Whether `actual` is what `expected` shows, doctest style: `...` stands for any text (also
 * across lines, for timings and paths), trailing spaces are ignored.
 */
export function matchesExpectedOutput(actual: string, expected: string): boolean {
  const normalize = (s: string) =>
    s
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n')
      .trim();
  const pattern = normalize(expected)
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?');
  return new RegExp(`^${pattern}$`).test(normalize(actual));
}
