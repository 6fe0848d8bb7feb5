// The doc test's reading of markdown: block tags, doc-test file lists, and output matching with `...`.
import { describe, expect, it } from 'vitest';
import { codeBlocks, docFiles, matchesExpectedOutput } from './docs/markdown-code-blocks.js';

const page = [
  '# t',
  '<!-- doc-test files: m.onnx=examples/tiny-cnn/model.onnx d.pb=corpus:tf/frozen/x.pb -->',
  '```ts run file=app.ts',
  "console.log('a');",
  '```',
  '```text output',
  'a',
  '```',
  '````md',
  '```sh run',
  '````',
  '- item',
  '',
  '  ```sh run',
  '  ls',
  '    -l',
  '  ```',
].join('\n');

describe('codeBlocks', () => {
  it('reads language, tag, code and line; an unknown tag reads as none; longer fences hold shorter ones; an indented block loses its indent', () => {
    expect(codeBlocks(page)).toEqual([
      { language: 'ts', tag: 'run', code: "console.log('a');\n", file: 'app.ts', line: 3 },
      { language: 'text', tag: 'output', code: 'a\n', line: 6 },
      { language: 'md', tag: undefined, code: '```sh run\n', line: 9 },
      { language: 'sh', tag: 'run', code: 'ls\n  -l\n', line: 14 },
    ]);
  });

  it('refuses a block that is never closed', () => {
    expect(() => codeBlocks('```sh run\nls\n')).toThrow('line 1 is never closed');
  });
});

describe('docFiles', () => {
  it('reads repository and corpus sources', () => {
    expect(docFiles(page)).toEqual([
      { name: 'm.onnx', source: { kind: 'repo', path: 'examples/tiny-cnn/model.onnx' } },
      { name: 'd.pb', source: { kind: 'corpus', path: 'tf/frozen/x.pb' } },
    ]);
  });
});

describe('matchesExpectedOutput', () => {
  it('matches exactly, ignoring trailing spaces and surrounding blank lines', () => {
    expect(matchesExpectedOutput('a  \nb\n\n', 'a\nb')).toBe(true);
    expect(matchesExpectedOutput('a\nc\n', 'a\nb')).toBe(false);
    expect(matchesExpectedOutput('a\nb\nextra\n', 'a\nb')).toBe(false);
  });

  it('lets ... stand for any text, within a line or across lines, and nothing else', () => {
    expect(matchesExpectedOutput('ran in 4.2 ms\n', 'ran in ... ms')).toBe(true);
    expect(matchesExpectedOutput('head\n1\n2\ntail\n', 'head\n...\ntail')).toBe(true);
    expect(matchesExpectedOutput('ran in 4.2 s\n', 'ran in ... ms')).toBe(false);
    expect(matchesExpectedOutput('a+b (1)\n', 'a+b (1)')).toBe(true);
    expect(matchesExpectedOutput('aab\n', 'a+b')).toBe(false);
  });
});
