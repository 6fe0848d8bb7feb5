#!/usr/bin/env node
// Renames Kiln's npm packages everywhere the names appear: manifests, imports, tsconfig paths,
// changesets, docs, tools, native comments. `kiln` belongs to an unrelated package on the npm
// registry, so the published names are the ones in NAMES below (docs/packaging.md records the
// registry checks). Idempotent: a second run changes nothing, so it can be re-run after merges.
// Usage: node tools/scripts/rename-packages.mjs [--dry-run]   then: pnpm build
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The one statement of the published names. */
const NAMES = {
  scope: { from: '@kiln/', to: '@kiln-inference/' },
  umbrella: { from: 'kiln', to: 'kiln-inference' },
};

/** Files that talk about the names themselves (or are regenerated) and must keep the old ones. */
const UNTOUCHED = new Set(['pnpm-lock.yaml', 'docs/packaging.md', 'tools/scripts/rename-packages.mjs']);

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dryRun = process.argv.includes('--dry-run');
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const umbrella = escapeRegExp(NAMES.umbrella.from);
const renamed = NAMES.umbrella.to;

/**
 * Where the bare word `kiln` is the umbrella's package name (elsewhere it is the CLI command, a
 * plugin namespace or a C++ include directory, which keep it). `applies` picks the files.
 */
const UMBRELLA_RULES = [
  {
    what: 'module specifiers: from/import/require/import.meta.resolve/require.resolve',
    applies: (file) => /\.(c|m)?(j|t)sx?$|\.md$/.test(file),
    pattern: new RegExp(
      String.raw`(\bfrom\s+|\bimport\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\.meta\.resolve\(\s*|\brequire\.resolve\(\s*)(['"\x60])${umbrella}(?=['"\x60/])`,
      'g',
    ),
    replace: `$1$2${renamed}`,
  },
  {
    what: 'package.json name and workspace dependencies',
    applies: (file) => file.endsWith('package.json'),
    pattern: new RegExp(String.raw`("name"\s*:\s*)"${umbrella}"|"${umbrella}"(\s*:\s*"workspace:)`, 'g'),
    replace: (_, name, dep) => (name ? `${name}"${renamed}"` : `"${renamed}"${dep}`),
  },
  {
    what: 'tsconfig paths',
    applies: (file) => /(^|\/)tsconfig[^/]*\.json$/.test(file),
    pattern: new RegExp(String.raw`"${umbrella}"(\s*:\s*\[)`, 'g'),
    replace: `"${renamed}"$1`,
  },
  {
    what: 'changeset front matter',
    applies: (file) => /^\.changeset\/[^/]+\.md$/.test(file),
    pattern: new RegExp(String.raw`^(["']?)${umbrella}\1(\s*:\s*(?:major|minor|patch)\s*)$`, 'gm'),
    replace: `$1${renamed}$1$2`,
  },
  {
    what: 'changesets config (fixed, linked, ignore)',
    applies: (file) => file === '.changeset/config.json',
    pattern: new RegExp(String.raw`"${umbrella}"(?=\s*[\],])`, 'g'),
    replace: `"${renamed}"`,
  },
  {
    what: 'pnpm --filter and npm/pnpm install commands',
    applies: () => true,
    pattern: new RegExp(String.raw`(--filter[ =]|\bnpm install |\bnpm i |\bpnpm add )${umbrella}(?![\w-])`, 'g'),
    replace: `$1${renamed}`,
  },
  {
    what: 'Markdown: the package table cell (padding kept)',
    applies: (file) => file.endsWith('.md'),
    pattern: new RegExp(String.raw`^\| \x60${umbrella}\x60( +)\|`, 'gm'),
    replace: (_, pad) => `| \`${renamed}\`${' '.repeat(Math.max(1, pad.length - renamed.length + NAMES.umbrella.from.length))}|`,
  },
  {
    what: 'Markdown: prose naming the package (**`kiln`**, package `kiln`), and `kiln`), # kiln)',
    applies: (file) => file.endsWith('.md'),
    pattern: new RegExp(String.raw`(\*\*\x60|(?:package|and) \x60|^# )${umbrella}(\x60\*\*|\x60\)|$)`, 'gm'),
    replace: `$1${renamed}$2`,
  },
];

function trackedTextFiles() {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  return files.filter((file) => !UNTOUCHED.has(file));
}

/** Markdown table cells `@kiln/x`  | give up padding for the longer scope, keeping columns aligned. */
const SCOPED_CELL = new RegExp(String.raw`(${escapeRegExp(NAMES.scope.from)}[\w-]+\x60\**)( +)\|`, 'g');
const scopeGrowth = NAMES.scope.to.length - NAMES.scope.from.length;

function renameText(file, text) {
  let next = text;
  if (file.endsWith('.md')) {
    next = next.replace(SCOPED_CELL, (_, cell, pad) => `${cell}${' '.repeat(Math.max(1, pad.length - scopeGrowth))}|`);
  }
  // The scope as written plainly and inside regular expressions (`/@kiln\/engine/`).
  for (const [from, to] of [
    [NAMES.scope.from, NAMES.scope.to],
    [NAMES.scope.from.replace('/', '\\/'), NAMES.scope.to.replace('/', '\\/')],
  ]) {
    next = next.split(from).join(to);
  }
  const hits = [];
  for (const rule of UMBRELLA_RULES) {
    if (!rule.applies(file)) continue;
    next = next.replace(rule.pattern, (...match) => {
      hits.push(rule.what);
      return typeof rule.replace === 'function' ? rule.replace(...match) : expand(rule.replace, match);
    });
  }
  return { next, hits };
}

/** `$1`-style expansion for string replacements used inside a replacer function. */
function expand(template, match) {
  return template.replace(/\$(\d)/g, (_, n) => match[Number(n)] ?? '');
}

function main() {
  const changed = [];
  const ruleCounts = new Map(UMBRELLA_RULES.map((r) => [r.what, 0]));
  for (const file of trackedTextFiles()) {
    const path = join(root, file);
    const bytes = readFileSync(path);
    if (bytes.includes(0)) continue; // binary
    const text = bytes.toString('utf8');
    const { next, hits } = renameText(file, text);
    for (const what of hits) ruleCounts.set(what, ruleCounts.get(what) + 1);
    if (next === text) continue;
    changed.push(file);
    console.log(`${dryRun ? 'would rename in' : 'renamed in'} ${file}`);
    if (!dryRun) writeFileSync(path, next);
  }
  console.log(`\n${changed.length} file(s) ${dryRun ? 'would change' : 'changed'}; umbrella rules matched:`);
  for (const [what, count] of ruleCounts) console.log(`  ${String(count).padStart(4)}  ${what}`);
  if (dryRun || changed.length === 0) return;
  // Longer names push some lines past the formatter's width: re-wrap the files that changed.
  console.log('\nformatting the renamed files (Biome)');
  const biome = ['exec', 'biome', 'format', '--write', '--files-ignore-unknown=true', '--no-errors-on-unmatched'];
  execFileSync('pnpm', [...biome, ...changed], { cwd: root, stdio: 'inherit' });
  console.log('\nrefreshing pnpm-lock.yaml and node_modules links');
  execFileSync('pnpm', ['install', '--offline'], { cwd: root, stdio: 'inherit' });
}

try {
  main();
} catch (error) {
  console.error(`rename-packages: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
}
