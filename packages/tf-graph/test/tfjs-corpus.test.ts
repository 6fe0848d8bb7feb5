import { join } from 'node:path';
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { CORPUS_MISSING_MESSAGE, checkReferenceCases, corpusDir, modelPath, readReference } from '@kiln-inference/testkit';
import { loadTfjsModel } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';

const corpus = corpusDir();
const MODELS = ['antispoof', 'blazeface', 'emotion', 'facemesh', 'liveness', 'movenet-lightning'];

describe.skipIf(!corpus)('TensorFlow.js graph models match TensorFlow.js references', () => {
  for (const name of MODELS) {
    it(name, async () => {
      const ref = readReference(join(corpus!, 'tf/tfjs/reference', name));
      const graph = await loadTfjsModel(modelPath(ref));
      const network = convertGraph(graph, createTfRegistry());
      const executor = new ReferenceExecutor();
      checkReferenceCases(ref, (feeds) => executor.run(network, feeds));
      expect(network.outputs.sort()).toEqual(ref.cases[0]!.outputs.map((o) => o.name).sort());
    });
  }

  it("keeps movenet's int32 input and dequantizes its float16 weights to float32", async () => {
    const graph = await loadTfjsModel(join(corpus!, 'tf/tfjs/models/movenet-lightning.json'));
    expect(graph.inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'int32', shape: [1, 192, 192, 3] });
    const weights = [...graph.weights.values()];
    expect(weights.filter((w) => w.dtype === 'float32').length).toBeGreaterThan(100);
  });
});

if (!corpus) it.skip(CORPUS_MISSING_MESSAGE, () => {});
