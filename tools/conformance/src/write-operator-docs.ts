/**
 * Writes docs/onnx-operators.md: the ONNX operator matrix generated from the converter
 * registry, plus every op the corpus' node tests use that has no converter (Supported N).
 * Usage: node tools/conformance/dist/write-operator-docs.js [--corpus DIR] [--out FILE]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createOnnxRegistry, normalizeDomain, renderSupportMatrixMarkdown, supportMatrix } from '@kiln-inference/converters';
import { importOnnx } from '@kiln-inference/onnx';
import { repoRoot, resolveCorpus } from './locations.js';
import { isDirectory, listModelFolders } from './onnx/backend-layout.js';

/** Standard-domain op types used by the node tests' models (models that fail to parse are skipped). */
export function corpusNodeOps(corpus: string): { ops: Set<string>; unreadable: number } {
  const ops = new Set<string>();
  let unreadable = 0;
  for (const c of listModelFolders(join(corpus, 'onnx-backend', 'node'))) {
    try {
      const graph = importOnnx(new Uint8Array(readFileSync(c.data.model)));
      for (const n of graph.nodes) if (normalizeDomain(n.domain) === 'ai.onnx') ops.add(n.op);
    } catch {
      unreadable++;
    }
  }
  return { ops, unreadable };
}

function argValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

function main(argv: string[]): void {
  const root = repoRoot();
  const corpus = resolveCorpus(argValue(argv, '--corpus'), root);
  const out = resolve(argValue(argv, '--out') ?? resolve(root, 'docs/onnx-operators.md'));
  const seen = isDirectory(corpus) ? corpusNodeOps(corpus) : undefined;
  const rows = supportMatrix(createOnnxRegistry(), 'ai.onnx', seen?.ops ?? []);
  const supported = rows.filter((r) => r.supported).length;
  const header = [
    '# ONNX operator support',
    '',
    'Generated from the converter registry by `tools/conformance/src/write-operator-docs.ts`; do not edit by hand.',
    `Rows marked N are ops used by the ONNX backend node tests that have no converter yet.`,
    '',
    `${supported} operators supported, ${rows.length - supported} seen in the corpus without a converter` +
      (seen
        ? seen.unreadable > 0
          ? ` (${seen.unreadable} node-test models could not be parsed).`
          : '.'
        : ' (corpus not found: only registered ops are listed).'),
    '',
  ];
  writeFileSync(out, `${header.join('\n')}\n${renderSupportMatrixMarkdown(rows)}`);
  console.log(`wrote ${out}: ${rows.length} operators, ${supported} supported`);
}

main(process.argv.slice(2));
