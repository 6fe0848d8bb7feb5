/**
 * The partitioner over the real ONNX models of the corpus, with synthetic oracles supporting a
 * random half of each model's op types (several seeds) and with the converters as they are.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createOnnxRegistry } from '@kiln-inference/converters';
import type { Graph } from '@kiln-inference/core';
import { loadOnnxFile } from '@kiln-inference/onnx';
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { converterOracle, type PartitionResult, partition, randomOpOracle, renderPartitionHtml } from '../src/index.js';
import { expectedSegmentIO, quotientIsAcyclic } from './support/cut-edges.js';

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);

function corpusModels(root: string): string[] {
  const light = join(root, 'onnx-backend/light');
  const models = join(root, 'onnx-models');
  const files: string[] = [];
  if (existsSync(light))
    files.push(
      ...readdirSync(light)
        .filter((f) => f.endsWith('.onnx'))
        .map((f) => join(light, f)),
    );
  if (existsSync(models)) {
    for (const dir of readdirSync(models).sort()) {
      const folder = join(models, dir);
      if (existsSync(folder))
        files.push(
          ...readdirSync(folder)
            .filter((f) => f.endsWith('.onnx'))
            .map((f) => join(folder, f)),
        );
    }
  }
  return files;
}

function checkPartition(graph: Graph, { hybrid, report }: PartitionResult, minimumSegmentSize: number): void {
  hybrid.graph.validate();
  const segmentOf = new Map<number, number>();
  for (const s of hybrid.segments) {
    expect(s.nodeIndices.length).toBeGreaterThanOrEqual(minimumSegmentSize);
    s.graph.validate();
    const io = expectedSegmentIO(graph, new Set(s.nodeIndices));
    expect(new Set(s.inputs)).toEqual(io.inputs);
    expect(new Set(s.outputs)).toEqual(io.outputs);
    for (const n of s.nodeIndices) {
      expect(segmentOf.has(n)).toBe(false);
      segmentOf.set(n, s.id);
    }
  }
  expect(quotientIsAcyclic(graph, (n) => segmentOf.get(n) ?? 1_000_000 + n)).toBe(true);
  const fallbackCount = report.fallback.reduce((sum, g) => sum + g.count, 0);
  expect(segmentOf.size + fallbackCount).toBe(graph.nodes.length);
  expect(report.nodesAfter).toBe(hybrid.graph.nodes.length);
  // The report is plain JSON.
  expect(JSON.parse(JSON.stringify(report))).toEqual(report);
}

const models = corpus ? corpusModels(corpus) : [];

describe.skipIf(!corpus || models.length === 0)('partition over the corpus ONNX models', () => {
  for (const file of models) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    it(`${name}: random half of the op types, three seeds`, async () => {
      const graph = await loadOnnxFile(file);
      for (const seed of [1, 2, 3]) {
        const result = partition(graph, randomOpOracle(graph, 0.5, seed));
        checkPartition(graph, result, 3);
      }
      const html = await renderPartitionHtml(partition(graph, randomOpOracle(graph, 0.5, 1)).report, graph);
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(html.match(/<rect class="box" /g)?.length).toBe(graph.nodes.length);
    });

    it(`${name}: the ONNX converters as the oracle`, async () => {
      const graph = await loadOnnxFile(file);
      checkPartition(graph, partition(graph, converterOracle(createOnnxRegistry()), { minimumSegmentSize: 1 }), 1);
    });
  }
});
