/**
 * `pnpm bench --suite partition [--target cpu|cuda]`: what a target would run as engines for
 * every model in the corpus — nodes before → after, engines, coverage, host↔device transfers
 * and the ops left on the CPU. Models that need input shapes or output names (frozen GraphDefs,
 * UFF) take them from their corpus reference.json.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createOnnxRegistry, createTfRegistry, createUffRegistry } from '@kiln-inference/converters';
import type { Graph } from '@kiln-inference/core';
import { targetOracle } from '@kiln-inference/engine';
import { partition } from '@kiln-inference/partitioner';
import { loadModel } from 'kiln-inference';

export interface PartitionRow {
  model: string;
  format: string;
  nodes_before: number;
  nodes_after: number;
  engines: number;
  coverage: number;
  transfers: number;
  /** Fallback ops, most frequent first: "Op×count". */
  fallback: string[];
}

interface CorpusModel {
  name: string;
  path: string;
  inputShapes?: Record<string, number[]>;
  outputs?: string[];
}

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

/** Input shapes and outputs from a kiln-corpus-reference/1 folder's first case. */
function fromReference(dir: string): { path: string; inputShapes: Record<string, number[]>; outputs: string[] } {
  const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as {
    model: string;
    cases: { feeds: { name: string; shape: number[] }[]; outputs: { name: string }[] }[];
  };
  const first = ref.cases[0]!;
  return {
    path: resolve(dir, ref.model),
    inputShapes: Object.fromEntries(first.feeds.map((f) => [f.name, f.shape])),
    outputs: [...new Set(first.outputs.map((o) => o.name))],
  };
}

export function corpusModels(corpus: string): CorpusModel[] {
  const models: CorpusModel[] = [];
  const light = join(corpus, 'onnx-backend/light');
  for (const f of list(light)) if (f.endsWith('.onnx')) models.push({ name: f.replace('.onnx', ''), path: join(light, f) });
  const onnxModels = join(corpus, 'onnx-models');
  for (const d of list(onnxModels)) {
    const file = list(join(onnxModels, d)).find((f) => f.endsWith('.onnx'));
    if (file) models.push({ name: d, path: join(onnxModels, d, file) });
  }
  const frozenRef = join(corpus, 'tf/frozen-reference');
  for (const d of list(frozenRef)) {
    if (existsSync(join(frozenRef, d, 'reference.json'))) models.push({ name: `${d} (frozen)`, ...fromReference(join(frozenRef, d)) });
  }
  const saved = join(corpus, 'tf/savedmodel');
  for (const m of list(saved))
    for (const v of list(join(saved, m))) models.push({ name: `${m}/${v} (SavedModel)`, path: join(saved, m, v) });
  const tfjs = join(corpus, 'tf/tfjs/models');
  for (const f of list(tfjs)) if (f.endsWith('.json')) models.push({ name: `${f.replace('.json', '')} (TF.js)`, path: join(tfjs, f) });
  const uff = join(corpus, 'uff');
  for (const d of list(uff)) {
    if (d.endsWith('-reference') && existsSync(join(uff, d, 'reference.json'))) {
      const { path, inputShapes } = fromReference(join(uff, d));
      models.push({ name: d.replace('-reference', ''), path, inputShapes });
    }
  }
  return models;
}

function registryOf(graph: Graph) {
  if (graph.format === 'tf') return createTfRegistry();
  if (graph.format === 'uff') return createUffRegistry();
  return createOnnxRegistry();
}

export async function runPartitionSuite(
  corpus: string,
  target: string,
  models: readonly string[] | undefined,
  log: (line: string) => void,
): Promise<PartitionRow[]> {
  const rows: PartitionRow[] = [];
  for (const m of corpusModels(corpus).filter((c) => !models?.length || models.includes(c.name))) {
    const { format, graph } = await loadModel(m.path, {
      ...(m.inputShapes ? { inputShapes: m.inputShapes } : {}),
      ...(m.outputs ? { outputs: m.outputs } : {}),
    });
    const { report } = partition(graph, targetOracle(target, registryOf(graph)));
    const fallback = [...report.fallback].sort((a, b) => b.count - a.count).map((f) => `${f.op}×${f.count}`);
    rows.push({
      model: m.name,
      format,
      nodes_before: report.nodesBefore,
      nodes_after: report.nodesAfter,
      engines: report.segments.length,
      coverage: report.coverage,
      transfers: report.transfers.total,
      fallback,
    });
    log(
      `${m.name}: ${report.nodesBefore} → ${report.nodesAfter} nodes, ${report.coverage.toFixed(1)}% in ${report.segments.length} engines`,
    );
  }
  return rows;
}

export function formatPartitionTable(rows: readonly PartitionRow[]): string {
  const lines = [
    '| model | format | nodes before → after | engines | coverage | transfers | on the CPU |',
    '|---|---|---|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.model} | ${r.format} | ${r.nodes_before} → ${r.nodes_after} | ${r.engines} | ${r.coverage.toFixed(1)}% | ${r.transfers} | ${r.fallback.slice(0, 4).join(', ') || '—'} |`,
    );
  }
  return lines.join('\n');
}
