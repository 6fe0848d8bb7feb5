/**
 * Every corpus ONNX, TensorFlow (frozen GraphDef, SavedModel), TensorFlow.js and UFF model
 * builds the way `kiln build` builds it, with its defaults (tuned when kiln_cpu.node loads),
 * given `--shapes` only for inputs whose declared shape is not static; the plan file is read
 * back, run on the corpus' reference input and compared with the corpus' reference output
 * (onnxruntime or TensorFlow.js), or for the SavedModel (no stored reference) with the
 * unoptimized network on the reference executor.
 *
 * Of the full-size light ONNX models (224x224), SqueezeNet and ShuffleNet run by default; the
 * others (AlexNet, DenseNet-121, Inception v1/v2, ResNet-50, VGG-19, ZFNet-512) take minutes to
 * tune and run on a CI runner, so KILN_CORPUS_BUILD_LIGHT=1 adds them.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CORPUS_MISSING_MESSAGE,
  caseFeeds,
  corpusDir,
  expectTensorClose,
  loadReferenceTensor,
  modelPath,
  mulberry32,
  readReference,
  type Tolerance,
} from '@kiln-inference/testkit';
import { Command } from 'commander';
import {
  decodeTensorProto,
  InferenceSession,
  type LoadModelOptions,
  loadModel,
  type Network,
  runReference,
  Tensor,
  toNetwork,
} from 'kiln-inference';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../src/cli/commands/build.js';
import { profileFromFlags, withProfileOptions } from '../src/cli/profile-flags.js';

interface CorpusModel {
  suite: string;
  name: string;
  path: string;
  /** What `kiln build` is told besides the shapes (UFF input shapes, which the format lacks). */
  loadOptions: LoadModelOptions;
  /** Feeds by name (the network names the inputs of files that do not). */
  feeds: (network: Network) => Record<string, Tensor>;
  /** Expected outputs by name; absent: the unoptimized network on the reference executor. */
  expected?: (network: Network) => Record<string, Tensor>;
  tolerance: Tolerance;
}

/** The light models quick enough for every CI run (a few seconds each on two cores). */
const QUICK_LIGHT_MODELS = new Set(['light_squeezenet', 'light_shufflenet']);

const ORT_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-4 };

const readProto = (path: string) => decodeTensorProto(new Uint8Array(readFileSync(path)));

function subdirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** onnx-models/<name>/: the model and test_data_set_0 (named TensorProtos; outputs by onnxruntime). */
function onnxModels(corpus: string): CorpusModel[] {
  const root = join(corpus, 'onnx-models');
  return subdirs(root).map((folder) => {
    const dir = join(root, folder);
    const data = join(dir, 'test_data_set_0');
    const named = (prefix: string) =>
      Object.fromEntries(
        readdirSync(data)
          .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
          .map((f) => readProto(join(data, f)))
          .map(({ name, tensor }) => [name, tensor]),
      );
    return {
      suite: 'onnx-models',
      name: folder,
      path: join(dir, readdirSync(dir).find((f) => f.endsWith('.onnx'))!),
      loadOptions: {},
      feeds: () => named('input_'),
      expected: () => named('output_'),
      tolerance: ORT_TOLERANCE,
    };
  });
}

/** onnx-backend/light/: full-size nets with generated inputs (outputs by onnxruntime). */
function lightModels(corpus: string): CorpusModel[] {
  const dir = join(corpus, 'onnx-backend', 'light');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.onnx'))
    .sort()
    .map((file) => {
      const name = file.slice(0, -'.onnx'.length);
      // These TensorProtos are unnamed: the model's only input and output.
      const tensor = (path: string) => readProto(path).tensor;
      return {
        suite: 'onnx-backend/light',
        name,
        path: join(dir, file),
        loadOptions: {},
        feeds: (network) => ({ [network.inputs[0]!.name]: tensor(join(dir, '..', 'light-generated-inputs', `${name}_input_0.pb`)) }),
        expected: (network) => ({ [network.outputs[0]!]: tensor(join(dir, `${name}_output_0.pb`)) }),
        tolerance: ORT_TOLERANCE,
      };
    });
}

/** A `kiln-corpus-reference/1` folder (TF, TF.js, UFF): its first case. */
function referenceModel(suite: string, name: string, dir: string, withShapes: boolean): CorpusModel {
  const ref = readReference(dir);
  const first = ref.cases[0]!;
  return {
    suite,
    name,
    path: modelPath(ref),
    // UFF states no input shapes: TensorRT's register_input, here --input-shape.
    loadOptions: withShapes ? { inputShapes: Object.fromEntries(first.feeds.map((f) => [f.name, f.shape])) } : {},
    feeds: () => Object.fromEntries(caseFeeds(ref, first)),
    expected: () => Object.fromEntries(first.outputs.map((o) => [o.name, loadReferenceTensor(ref, first, o)])),
    tolerance: ref.tolerance,
  };
}

function referenceModels(root: string, suite: string, withShapes = false): CorpusModel[] {
  return subdirs(root)
    .filter((d) => existsSync(join(root, d, 'reference.json')))
    .map((d) => referenceModel(suite, d, join(root, d), withShapes));
}

/** SavedModels store no reference output: seeded small integers, compared with the reference executor. */
function savedModels(corpus: string): CorpusModel[] {
  const root = join(corpus, 'tf', 'savedmodel');
  return subdirs(root).flatMap((model) =>
    subdirs(join(root, model)).map((version) => ({
      suite: 'tf/savedmodel',
      name: `${model}/${version}`,
      path: join(root, model, version),
      loadOptions: {},
      feeds: (network) => seededFeeds(network, 5),
      tolerance: { rtol: 1e-5, atol: 1e-6 },
    })),
  );
}

function seededFeeds(network: Network, seed: number): Record<string, Tensor> {
  const random = mulberry32(seed);
  return Object.fromEntries(
    network.inputs.map((input) => {
      const shape = (input.shape ?? [3]).map((d) => (typeof d === 'number' && d >= 0 ? d : 3));
      const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(random() * 50));
      return [input.name, Tensor.fromValues(input.dtype, shape, values)];
    }),
  );
}

/** `--shapes NAME:AxB…` for every fed input whose declared shape is not static (and is not a scalar). */
function shapesFlags(network: Network, feeds: Record<string, Tensor>): string[] {
  const isStatic = (shape: Network['inputs'][number]['shape']) => shape?.every((d) => typeof d === 'number' && d >= 0) ?? false;
  return network.inputs
    .filter((input) => !isStatic(input.shape) && (feeds[input.name]?.shape.length ?? 0) > 0)
    .flatMap((input) => ['--shapes', `${input.name}:${feeds[input.name]!.shape.join('x')}`]);
}

const out = mkdtempSync(join(tmpdir(), 'kiln-corpus-build-'));

async function checkModel(m: CorpusModel, index: number): Promise<void> {
  const { graph } = await loadModel(m.path, m.loadOptions);
  const network = toNetwork(graph, m.loadOptions);
  const feeds = m.feeds(network);
  const expected = m.expected ? m.expected(network) : Object.fromEntries(runReference(network, feeds));
  const flags = shapesFlags(network, feeds);
  const profile = profileFromFlags(withProfileOptions(new Command()).exitOverride().parse(flags, { from: 'user' }).opts());
  const output = join(out, `${index}.plan`);
  const summary = await buildModel(m.path, { ...m.loadOptions, output, ...(profile ? { profile } : {}) });
  // The only inputs left without shapes are those given none: scalars of unknown rank.
  const given = new Set(Object.keys(profile ?? {}));
  for (const warning of summary.warnings) {
    const input = /^input '(.*)' is /.exec(warning)?.[1];
    expect(input !== undefined && !given.has(input) && feeds[input]?.shape.length === 0, warning).toBe(true);
  }
  const session = await InferenceSession.create(output);
  try {
    const outputs = await session.run(feeds);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    for (const [name, want] of Object.entries(expected)) {
      const got = outputs[name];
      expect(got, `output '${name}' of ${m.name}`).toBeDefined();
      expect(got!.shape).toEqual(want.shape);
      expectTensorClose(got!, want, m.tolerance);
    }
  } finally {
    await session.dispose();
  }
}

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
const models = corpus
  ? [
      ...onnxModels(corpus),
      ...lightModels(corpus).filter((m) => process.env.KILN_CORPUS_BUILD_LIGHT === '1' || QUICK_LIGHT_MODELS.has(m.name)),
      ...referenceModels(join(corpus, 'tf', 'frozen-reference'), 'tf/frozen'),
      ...savedModels(corpus),
      ...referenceModels(join(corpus, 'tf', 'tfjs', 'reference'), 'tf/tfjs'),
      ...referenceModels(join(corpus, 'uff'), 'uff', true),
    ]
  : [];

describe.skipIf(models.length === 0)(
  `every corpus model builds with kiln build's defaults and matches its reference${corpus ? '' : ` (${CORPUS_MISSING_MESSAGE})`}`,
  () => {
    models.forEach((m, i) => {
      it(`${m.suite}: ${m.name}`, () => checkModel(m, i), 300_000);
    });
  },
);
