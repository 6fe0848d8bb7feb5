/**
 * A real model through every stage with a plugin in it: the corpus' TensorFlow MNIST CNN with
 * each Relu replaced by the fixture package's acme::Clip (min 0, max ∞, which is Relu),
 * converted, built, saved as a plan, loaded, and run in a worker thread that imported the
 * plugin by module URL, matching TensorFlow.js's outputs.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { buildPlan, deserializePlan, Engine, serializePlan } from '@kiln-inference/engine';
import {
  argmax,
  CORPUS_MISSING_MESSAGE,
  caseFeeds,
  corpusDir,
  expectTensorClose,
  loadReferenceTensor,
  modelPath,
  readReference,
  startSourceWorker,
} from '@kiln-inference/testkit';
import { importGraphDef } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';
import { loadPlugins, replaceOps } from '../src/index.js';
import { Clip } from './fixtures/kiln-plugin-clip/src/index.js';

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);

describe.skipIf(!corpus)('a corpus TF model with ops replaced by a plugin', () => {
  it('builds, saves, loads and runs in a worker, matching the reference', async () => {
    const ref = readReference(join(corpus!, 'tf/frozen-reference/mengwanguc-mnist-cnn'));
    const original = importGraphDef(new Uint8Array(readFileSync(modelPath(ref))));
    const graph = replaceOps(original, 'Relu', Clip.node({ min: 0, max: Number.POSITIVE_INFINITY }));
    expect(graph.nodes.filter((n) => n.domain === 'acme').map((n) => n.name)).toEqual([
      'layer_1_conv/Relu',
      'layer_2_conv/Relu',
      'layer_3_conv/Relu',
      'layer_4_fc/Relu',
    ]);

    const registry = await loadPlugins([resolve(import.meta.dirname, 'fixtures/kiln-plugin-clip')]);
    const network = convertGraph(graph, createTfRegistry().registerAll(registry.converters()));
    const bytes = serializePlan(await buildPlan(network));
    const plan = deserializePlan(bytes);
    expect(plan.manifest.plugins).toEqual([{ namespace: 'acme', name: 'Clip', version: '1', package: '@acme/kiln-plugin-clip@1.2.0' }]);
    expect(plan.network.layers.filter((l) => l.kind === 'plugin')).toHaveLength(4);

    const engine = await Engine.create(bytes, { ...registry.kernels(), execution: 'worker', startWorker: startSourceWorker });
    const context = engine.createExecutionContext();
    try {
      expect(context.offThread).toBe(true);
      for (const c of ref.cases) {
        const outputs = await context.run(Object.fromEntries(caseFeeds(ref, c)));
        for (const o of c.outputs) {
          const expected = loadReferenceTensor(ref, c, o);
          expectTensorClose(outputs[o.name]!, expected, ref.tolerance);
          if (o.argmax !== undefined) expect(argmax(outputs[o.name]!.data as Float32Array)).toBe(o.argmax);
        }
      }
    } finally {
      await context.dispose();
    }
  });
});
