/**
 * Writes docs/tf-operators.md: the TF operator matrix generated from the converter registry and
 * its coverage of TensorFlow.js's converter op list.
 * Usage: pnpm docs:tf-operators [--out FILE]
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTfRegistry } from '@kiln-inference/converters';
import { repoRoot } from './locations.js';
import { readTfjsOpList, renderTfOperatorDocs, tfjsCoverage } from './tf-operator-coverage.js';

function main(argv: string[]): void {
  const root = repoRoot();
  const outFlag = argv.indexOf('--out');
  const out = resolve(outFlag >= 0 && argv[outFlag + 1] ? argv[outFlag + 1]! : resolve(root, 'docs/tf-operators.md'));
  const list = readTfjsOpList(resolve(root, 'tools/conformance/data/tfjs-converter-ops.json'));
  const coverage = tfjsCoverage(createTfRegistry(), list);
  writeFileSync(out, renderTfOperatorDocs(coverage, list));
  console.log(`wrote ${out}: ${coverage.converted} of ${coverage.total} TF.js converter ops have a kiln converter`);
}

main(process.argv.slice(2));
