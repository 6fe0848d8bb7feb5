import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { CORPUS_MISSING_MESSAGE, checkReferenceCases, corpusDir, modelPath, readReference } from '@kiln-inference/testkit';
import { importGraphDef } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';

const corpus = corpusDir();
const MODELS = ['mengwanguc-mnist-cnn', 'zhucheng725-lenet5', 'chaow94-mnist', 'tf2onnx-fc-layers', 'tf2onnx-lstm', 'tf2onnx-regression'];

describe.skipIf(!corpus)('frozen GraphDef corpus matches TensorFlow.js references', () => {
  for (const name of MODELS) {
    it(name, () => {
      const ref = readReference(join(corpus!, 'tf/frozen-reference', name));
      const outputs = ref.cases[0]!.outputs.map((o) => o.name);
      const graph = importGraphDef(new Uint8Array(readFileSync(modelPath(ref))), { outputs, name });
      const network = convertGraph(graph, createTfRegistry());
      const executor = new ReferenceExecutor();
      checkReferenceCases(ref, (feeds) => executor.run(network, feeds));
      expect(network.outputs).toEqual(outputs);
    });
  }
});

if (!corpus) it.skip(CORPUS_MISSING_MESSAGE, () => {});
