import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSupport, createTfRegistry } from '@kiln-inference/converters';
import type { Graph } from '@kiln-inference/core';
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { importGraphDef, loadTfjsModel } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';

const corpus = corpusDir();

/** What the partitioner sees: every node's verdict before any conversion. */
function unsupportedNodes(graph: Graph): string[] {
  const registry = createTfRegistry();
  return graph.nodes.flatMap((n) => {
    const v = checkSupport(registry, graph, n);
    return v.supported ? [] : [`${n.name} (${n.op}): ${v.reason}`];
  });
}

describe.skipIf(!corpus)('validators accept every node of the corpus models', () => {
  it('frozen GraphDefs', () => {
    const dir = join(corpus!, 'tf/frozen');
    for (const file of readdirSync(dir)) {
      const graph = importGraphDef(new Uint8Array(readFileSync(join(dir, file))));
      expect(graph.nodes.length).toBeGreaterThan(0);
      expect(unsupportedNodes(graph), file).toEqual([]);
    }
  });

  it('TensorFlow.js models', async () => {
    const dir = join(corpus!, 'tf/tfjs/models');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const graph = await loadTfjsModel(join(dir, file));
      expect(unsupportedNodes(graph), file).toEqual([]);
    }
  });
});

if (!corpus) it.skip(CORPUS_MISSING_MESSAGE, () => {});
