/**
 * End to end on real models: partition each corpus/onnx-models model with oracles supporting a
 * random half of its op types, run the hybrid graph step by step on the reference backend
 * (engines and fallback nodes converted with the ONNX converters), and compare with the
 * reference outputs stored next to the model (computed by onnxruntime).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOnnxRegistry } from '@kiln-inference/converters';
import { decodeTensorProto, loadOnnxFile } from '@kiln-inference/onnx';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { partition, randomOpOracle } from '../src/index.js';
import { runHybrid } from './support/run-hybrid.js';

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
const modelsDir = corpus ? join(corpus, 'onnx-models') : '';
const folders = modelsDir && existsSync(modelsDir) ? readdirSync(modelsDir).sort() : [];

const readTensor = (path: string) => decodeTensorProto(new Uint8Array(readFileSync(path))).tensor;

describe.skipIf(folders.length === 0)('hybrid execution of corpus models matches their reference outputs', () => {
  const registry = createOnnxRegistry();
  for (const folder of folders) {
    it(folder, async () => {
      const dir = join(modelsDir, folder);
      const file = readdirSync(dir).find((f) => f.endsWith('.onnx'))!;
      const graph = await loadOnnxFile(join(dir, file));
      const data = join(dir, 'test_data_set_0');
      const feeds = Object.fromEntries(graph.feedInputs.map((input, k) => [input.name, readTensor(join(data, `input_${k}.pb`))]));
      const expected = readTensor(join(data, 'output_0.pb'));
      for (const seed of [1, 2]) {
        const { hybrid, report } = partition(graph, randomOpOracle(graph, 0.5, seed), { minimumSegmentSize: 1 });
        expect(report.segments.length).toBeGreaterThan(0);
        const outputs = runHybrid(hybrid, registry, feeds);
        expectTensorClose(outputs.get(graph.outputs[0]!.name)!, expected, { rtol: 1e-3, atol: 1e-4 });
      }
    });
  }
});
