/**
 * Every model of the corpus as a hybrid-execution case: how to load it (parser + converter
 * registry, as tools/conformance does) and what to feed it. @kiln-inference/engine does not depend on the
 * parsers, so the test reaches them through their sources.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConverterRegistry, createOnnxRegistry, createTfRegistry, createUffRegistry } from '@kiln-inference/converters';
import { type DType, type Graph, Tensor } from '@kiln-inference/core';
import type { RuntimeValue } from '@kiln-inference/cpu-runtime';
import { decodeTensorProto, loadOnnxFile } from '@kiln-inference/onnx';
import { caseFeeds, modelPath, mulberry32, readReference } from '@kiln-inference/testkit';
import { loadSavedModel, loadTensorFlow } from '@kiln-inference/tf-graph';
import { loadUff } from '@kiln-inference/uff';

export interface LoadedCase {
  graph: Graph;
  registry: ConverterRegistry;
  feeds: Record<string, RuntimeValue>;
}

export interface CorpusCase {
  suite: string;
  name: string;
  load: () => Promise<LoadedCase>;
}

const readProto = (path: string) => decodeTensorProto(new Uint8Array(readFileSync(path))).tensor;

function subdirs(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
}

function lightCases(corpus: string): CorpusCase[] {
  const dir = join(corpus, 'onnx-backend', 'light');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.onnx'))
    .sort()
    .map((file) => {
      const name = file.slice(0, -'.onnx'.length);
      return {
        suite: 'onnx-backend/light',
        name,
        load: async () => {
          const graph = await loadOnnxFile(join(dir, file));
          const input = readProto(join(dir, '..', 'light-generated-inputs', `${name}_input_0.pb`));
          return { graph, registry: createOnnxRegistry(), feeds: { [graph.feedInputs[0]!.name]: input } };
        },
      };
    });
}

function onnxModelCases(corpus: string): CorpusCase[] {
  const root = join(corpus, 'onnx-models');
  return subdirs(root).map((folder) => ({
    suite: 'onnx-models',
    name: folder,
    load: async () => {
      const dir = join(root, folder);
      const graph = await loadOnnxFile(join(dir, readdirSync(dir).find((f) => f.endsWith('.onnx'))!));
      const data = join(dir, 'test_data_set_0');
      const feeds = Object.fromEntries(graph.feedInputs.map((input, k) => [input.name, readProto(join(data, `input_${k}.pb`))]));
      return { graph, registry: createOnnxRegistry(), feeds };
    },
  }));
}

/** A `kiln-corpus-reference/1` folder: its model loaded for the first case's feeds and outputs. */
function referenceCase(
  suite: string,
  name: string,
  dir: string,
  load: (model: string, shapes: Record<string, number[]>, outputs: string[]) => Promise<Graph>,
  registry: () => ConverterRegistry,
): CorpusCase {
  return {
    suite,
    name,
    load: async () => {
      const ref = readReference(dir);
      const first = ref.cases[0]!;
      const feeds = Object.fromEntries(caseFeeds(ref, first));
      const shapes = Object.fromEntries(first.feeds.map((f) => [f.name, f.shape]));
      const graph = await load(modelPath(ref), shapes, [...new Set(first.outputs.map((o) => o.name))]);
      return { graph, registry: registry(), feeds };
    },
  };
}

function tfReferenceCases(root: string, suite: string): CorpusCase[] {
  return subdirs(root)
    .filter((d) => existsSync(join(root, d, 'reference.json')))
    .map((d) =>
      referenceCase(
        suite,
        d,
        join(root, d),
        (model, inputShapes, outputs) => loadTensorFlow(model, { inputShapes, outputs }),
        createTfRegistry,
      ),
    );
}

function uffCases(corpus: string): CorpusCase[] {
  const root = join(corpus, 'uff');
  return subdirs(root)
    .filter((d) => d.endsWith('-reference') && existsSync(join(root, d, 'reference.json')))
    .map((d) => referenceCase('uff', d, join(root, d), (model, inputShapes) => loadUff(model, { inputShapes }), createUffRegistry));
}

/** SavedModels have no numeric reference: feed small seeded values, unknown dims as 3. */
function savedModelCases(corpus: string): CorpusCase[] {
  const root = join(corpus, 'tf', 'savedmodel');
  return subdirs(root).flatMap((model) =>
    subdirs(join(root, model)).map((version) => ({
      suite: 'tf/savedmodel',
      name: `${model}/${version}`,
      load: async () => {
        const { graph } = await loadSavedModel(join(root, model, version), {});
        const random = mulberry32(5);
        const feeds = Object.fromEntries(
          graph.feedInputs.map((i) => {
            const type = i.type?.kind === 'tensor' ? i.type : { dtype: 'float32' as DType, shape: [null] };
            const shape = (type.shape ?? [3]).map((d) => (typeof d === 'number' && d >= 0 ? d : 3));
            const size = shape.reduce((a, b) => a * b, 1);
            return [
              i.name,
              Tensor.fromValues(
                type.dtype,
                shape,
                Array.from({ length: size }, () => Math.floor(random() * 50)),
              ),
            ];
          }),
        );
        return { graph, registry: createTfRegistry(), feeds };
      },
    })),
  );
}

export function corpusCases(corpus: string): CorpusCase[] {
  return [
    ...lightCases(corpus),
    ...onnxModelCases(corpus),
    ...tfReferenceCases(join(corpus, 'tf', 'frozen-reference'), 'tf/frozen'),
    ...savedModelCases(corpus),
    ...tfReferenceCases(join(corpus, 'tf', 'tfjs', 'reference'), 'tf/tfjs'),
    ...uffCases(corpus),
  ];
}
