/**
 * TensorFlow operator coverage: the TF converter registry's matrix, measured against the op
 * list of TensorFlow.js's graph-model converter (tools/conformance/data/tfjs-converter-ops.json),
 * and rendered as docs/tf-operators.md.
 */
import { readFileSync } from 'node:fs';
import { type ConverterRegistry, renderSupportMatrixMarkdown, type SupportMatrixRow, supportMatrix } from '@kiln-inference/converters';

export interface TfjsOpList {
  comment: string;
  source: { repository: string; path: string; commit: string };
  /** TF op names by the TF.js converter's category (its op_list file names). */
  categories: Record<string, string[]>;
}

/**
 * TF.js ops the TensorFlow importer itself resolves, so no converter is expected for them:
 * they never reach the converter registry.
 */
export const HANDLED_BY_IMPORTER: Readonly<Record<string, string>> = {
  Const: 'becomes a weight of the graph',
  Placeholder: 'becomes a graph input',
  NoOp: 'only carries control edges, which the importer prunes',
};

export interface CategoryCoverage {
  category: string;
  total: number;
  converted: number;
  missing: string[];
}

export interface TfjsCoverage {
  total: number;
  converted: number;
  categories: CategoryCoverage[];
  /** TF.js ops with no kiln converter, importer-handled ones excluded, sorted. */
  missing: string[];
  /** TF.js ops the importer resolves (see HANDLED_BY_IMPORTER) that the list contains. */
  importerHandled: string[];
  /** Ops kiln converts that TF.js's converter does not list. */
  kilnOnly: string[];
  rows: SupportMatrixRow[];
}

export function readTfjsOpList(path: string): TfjsOpList {
  const list = JSON.parse(readFileSync(path, 'utf8')) as Partial<TfjsOpList>;
  const categories = list.categories ?? {};
  const valid = Object.values(categories).every((ops) => Array.isArray(ops) && ops.every((op) => typeof op === 'string'));
  if (typeof list.comment !== 'string' || !list.source || !valid) {
    throw new Error(`${path}: expected { comment, source, categories: { NAME: [op names] } }`);
  }
  return list as TfjsOpList;
}

export function tfjsCoverage(registry: ConverterRegistry, list: TfjsOpList): TfjsCoverage {
  const all = [...new Set(Object.values(list.categories).flat())];
  const rows = supportMatrix(registry, 'tf', all);
  const converted = new Set(rows.filter((r) => r.supported).map((r) => r.op));
  const categories = Object.entries(list.categories).map(([category, ops]) => ({
    category,
    total: ops.length,
    converted: ops.filter((op) => converted.has(op)).length,
    missing: ops.filter((op) => !converted.has(op)),
  }));
  const uncovered = all.filter((op) => !converted.has(op));
  return {
    total: all.length,
    converted: all.length - uncovered.length,
    categories,
    missing: uncovered.filter((op) => !(op in HANDLED_BY_IMPORTER)).sort(),
    importerHandled: uncovered.filter((op) => op in HANDLED_BY_IMPORTER).sort(),
    kilnOnly: [...converted].filter((op) => !all.includes(op)).sort(),
    rows,
  };
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(1)}%`;
}

function code(ops: readonly string[]): string {
  return ops.length === 0 ? 'none' : ops.map((op) => `\`${op}\``).join(', ');
}

/** A category's ops without a converter, importer-handled ones marked as such. */
function categoryMissing(ops: readonly string[]): string {
  if (ops.length === 0) return 'none';
  return ops.map((op) => (op in HANDLED_BY_IMPORTER ? `\`${op}\` (importer)` : `\`${op}\``)).join(', ');
}

export function renderTfOperatorDocs(coverage: TfjsCoverage, list: TfjsOpList): string {
  const supported = coverage.rows.filter((r) => r.supported).length;
  const lines = [
    '# TensorFlow operator support',
    '',
    'Generated from the TF converter registry (`createTfRegistry()`) by `tools/conformance/src/write-tf-operator-docs.ts`',
    '(`pnpm docs:tf-operators`); do not edit by hand. It covers frozen GraphDefs, SavedModels and TensorFlow.js graph models,',
    'which all import to the `tf` domain.',
    '',
    '## Coverage of the TensorFlow.js converter op list',
    '',
    `**${coverage.converted} of ${coverage.total} TF.js converter ops have a kiln converter** (${percent(coverage.converted, coverage.total)}).`,
    `The list is the op names of \`${list.source.path}\` in ${list.source.repository} at commit \`${list.source.commit.slice(0, 12)}\``,
    '(stored in `tools/conformance/data/tfjs-converter-ops.json`).',
    '',
    `Handled by the importer, not by a converter: ${coverage.importerHandled.map((op) => `\`${op}\` (${HANDLED_BY_IMPORTER[op]})`).join(', ') || 'none'}.`,
    '',
    '| Category | TF.js ops | With a kiln converter | Missing |',
    '|---|---:|---:|---|',
    ...coverage.categories.map((c) => `| ${c.category} | ${c.total} | ${c.converted} | ${categoryMissing(c.missing)} |`),
    '',
    `Missing (${coverage.missing.length}, importer-handled ops excluded): ${code(coverage.missing)}.`,
    '',
    `Converted by kiln but not in the TF.js list (${coverage.kilnOnly.length}): ${code(coverage.kilnOnly)}.`,
    '',
    '## Operator matrix',
    '',
    `${supported} TF ops have a converter; rows marked N are TF.js converter ops without one.`,
    '',
  ];
  return `${lines.join('\n')}\n${renderSupportMatrixMarkdown(coverage.rows)}`;
}
