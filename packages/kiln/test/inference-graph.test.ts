/**
 * createInferenceGraph / loadInferenceGraph on corpus models: TF GraphDef bytes, an ONNX model
 * path, a TF.js path and a loaded ONNX Graph; static builds with maxBatchSize and batch reuse,
 * isDynamicOp, save → load without rebuilding, and the precision/target/source checks.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose, readRawFile } from '@kiln-inference/testkit';
import { createInferenceGraph, decodeTensorProto, type HybridEvent, loadInferenceGraph, loadOnnxFile, Tensor } from 'kiln-inference';
import { describe, expect, it } from 'vitest';

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
const engineOptions = { kernels: 'reference' as const, execution: 'inline' as const };
const tmp = () => mkdtempSync(join(tmpdir(), 'kiln-inference-graph-'));

const mnistDir = corpus ? join(corpus, 'tf', 'frozen-reference', 'mengwanguc-mnist-cnn') : '';
const mnistCase = (k: number) => ({
  x: readRawFile(join(mnistDir, `case_${k}`, 'input_0.bin'), 'float32', [1, 28, 28, 1]),
  output: readRawFile(join(mnistDir, `case_${k}`, 'output_0.bin'), 'float32', [1, 10]),
});
/** Two [1,…] tensors stacked along the batch dimension. */
const stack = (a: Tensor, b: Tensor) => Tensor.fromValues('float32', [2, ...a.shape.slice(1)], [...a.toFloat64(), ...b.toFloat64()]);
const tolerance = { rtol: 1e-3, atol: 1e-4 };

describe.skipIf(!corpus)('createInferenceGraph', () => {
  it('builds a TF GraphDef ahead of time for maxBatchSize, serves smaller batches, and saves/loads its engines', async () => {
    const graphDef = new Uint8Array(readFileSync(join(corpus!, 'tf', 'frozen', 'mengwanguc-mnist-cnn.pb')));
    const graph = await createInferenceGraph({ graphDef, outputs: ['output'], maxBatchSize: 4, minimumSegmentSize: 3, engineOptions });
    try {
      expect(graph.report.nodesBefore).toBeGreaterThan(graph.report.nodesAfter);
      expect(graph.report.segments.length).toBeGreaterThan(0);
      const built = graph.session.engineNodes.flatMap((n) => n.engines());
      expect(built.map((e) => [e.origin, e.signatures[0]])).toContainEqual([
        'static',
        { kind: 'tensor', dtype: 'float32', shape: [4, 28, 28, 1] },
      ]);
      const [c0, c1] = [mnistCase(0), mnistCase(1)];
      expectTensorClose((await graph.run({ x: c0.x })).output!, c0.output, tolerance);
      const both = (await graph.run({ x: stack(c0.x, c1.x) })).output!;
      expectTensorClose(both, stack(c0.output, c1.output), tolerance);
      expect(graph.counters.batchReuses).toBeGreaterThanOrEqual(2);
      expect(graph.counters.fallbacks).toBe(0);

      const dir = tmp();
      await graph.save(dir);
      expect(existsSync(join(dir, 'inference-graph.json'))).toBe(true);
      const events: HybridEvent[] = [];
      const loaded = await loadInferenceGraph(dir, { engineOptions });
      loaded.session.on((e) => events.push(e));
      try {
        expect(loaded.report.segments).toEqual(graph.report.segments);
        // Every engine came from its saved plan: nothing was rebuilt.
        expect(loaded.session.engineNodes.flatMap((n) => n.engines().map((e) => e.origin))).toEqual(built.map(() => 'loaded'));
        expectTensorClose((await loaded.run({ x: c1.x })).output!, c1.output, tolerance);
        expect(events.filter((e) => e.type === 'build')).toEqual([]);
      } finally {
        await loaded.dispose();
      }
    } finally {
      await graph.dispose();
    }
  });

  it('builds one engine for an optimization profile, serves batches within it and refuses others; the profile is saved', async () => {
    const graphDef = new Uint8Array(readFileSync(join(corpus!, 'tf', 'frozen', 'mengwanguc-mnist-cnn.pb')));
    const optimizationProfile = { x: { min: [1, 28, 28, 1], opt: [2, 28, 28, 1], max: [3, 28, 28, 1] } };
    const graph = await createInferenceGraph({ graphDef, outputs: ['output'], optimizationProfile, engineOptions });
    try {
      const [first] = graph.session.engineNodes.flatMap((n) => n.engines());
      expect(first?.origin).toBe('profile');
      expect(first?.engine.plan.manifest.buildSettings.profile).toEqual(optimizationProfile);
      const [c0, c1] = [mnistCase(0), mnistCase(1)];
      expectTensorClose((await graph.run({ x: c0.x })).output!, c0.output, tolerance);
      expectTensorClose((await graph.run({ x: stack(c0.x, c1.x) })).output!, stack(c0.output, c1.output), tolerance);
      const four = Tensor.fromValues('float32', [4, 28, 28, 1], new Float32Array(4 * 784));
      await expect(graph.run({ x: four })).rejects.toMatchObject({ code: 'FEED_SHAPE_MISMATCH' });
      const dir = tmp();
      await graph.save(dir);
      const loaded = await loadInferenceGraph(dir, { engineOptions });
      try {
        expect(loaded.options.optimizationProfile).toEqual(optimizationProfile);
        expectTensorClose((await loaded.run({ x: c1.x })).output!, c1.output, tolerance);
      } finally {
        await loaded.dispose();
      }
    } finally {
      await graph.dispose();
    }
  });

  it('builds at the first run with isDynamicOp, from an ONNX model path, and matches its reference output', async () => {
    const dir = join(corpus!, 'onnx-models', 'paddleocr-mobile-v2-cls');
    const path = join(dir, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
    const read = (f: string) => decodeTensorProto(new Uint8Array(readFileSync(join(dir, 'test_data_set_0', f)))).tensor;
    const graph = await createInferenceGraph({ path, isDynamicOp: true, maximumCachedEngines: 2, engineOptions });
    try {
      expect(graph.counters.builds).toBe(0);
      const input = graph.hybrid.graph.feedInputs[0]!.name;
      const out = graph.hybrid.graph.outputs[0]!.name;
      expectTensorClose((await graph.run({ [input]: read('input_0.pb') }))[out]!, read('output_0.pb'), tolerance);
      expect(graph.counters.builds).toBe(graph.report.segments.length);
      await graph.run({ [input]: read('input_0.pb') });
      expect(graph.counters.hits).toBe(graph.report.segments.length);
      // Saved and loaded (the ONNX model is written back with exportOnnx), the dynamic engines come along.
      const saved = tmp();
      await graph.save(saved);
      const loaded = await loadInferenceGraph(saved, { engineOptions });
      try {
        expectTensorClose((await loaded.run({ [input]: read('input_0.pb') }))[out]!, read('output_0.pb'), tolerance);
        expect(loaded.counters).toMatchObject({ hits: graph.report.segments.length });
      } finally {
        await loaded.dispose();
      }
    } finally {
      await graph.dispose();
    }
  });

  it('saves a TF.js model with its weight shards, and a loaded ONNX graph', async () => {
    const refDir = join(corpus!, 'tf', 'tfjs', 'reference', 'liveness');
    const x = readRawFile(join(refDir, 'input_0.bin'), 'float32', [1, 32, 32, 3]);
    const expected = readRawFile(join(refDir, 'output_0.bin'), 'float32', [1, 2]);
    const tfjs = await createInferenceGraph({
      path: join(corpus!, 'tf', 'tfjs', 'models', 'liveness.json'),
      inputShapes: { conv2d_1_input: [1, 32, 32, 3] },
      engineOptions,
    });
    const dir = tmp();
    await tfjs.save(dir);
    await tfjs.dispose();
    const loaded = await loadInferenceGraph(dir, { engineOptions });
    try {
      expectTensorClose((await loaded.run({ conv2d_1_input: x })).Identity!, expected, tolerance);
    } finally {
      await loaded.dispose();
    }

    const onnx = await loadOnnxFile(join(corpus!, 'onnx-models', 'openwakeword-js-hello_deepa', 'hello_deepa.onnx'));
    const fromGraph = await createInferenceGraph({ graph: onnx, engineOptions });
    const saved = tmp();
    await fromGraph.save(saved);
    await fromGraph.dispose();
    const again = await loadInferenceGraph(saved, { engineOptions });
    expect(again.report.nodesBefore).toBe(onnx.nodes.length);
    await again.dispose();
  });
});

describe('createInferenceGraph checks its options', () => {
  it('refuses FP16 and INT8 on the cpu target, naming what it supports', async () => {
    for (const precisionMode of ['FP16', 'INT8'] as const) {
      await expect(createInferenceGraph({ path: 'unused.onnx', precisionMode })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(new RegExp(`cpu target does not support precisionMode '${precisionMode}'; it supports FP32`)),
      });
    }
  });

  it('needs exactly one model source and a known target', async () => {
    await expect(createInferenceGraph({})).rejects.toThrow(/needs a model/);
    await expect(createInferenceGraph({ path: 'a.onnx', graphDef: new Uint8Array(4) })).rejects.toThrow(
      /several models \(graphDef, path\)/,
    );
    await expect(createInferenceGraph({ path: 'a.onnx', target: 'cuda' as 'cpu' })).rejects.toThrow(
      /target 'cuda' cannot run inference graphs/,
    );
    await expect(createInferenceGraph({ path: 'a.onnx', maximumCachedEngines: 0 })).rejects.toThrow(
      /maximumCachedEngines must be a positive integer/,
    );
  });

  it('refuses to save a loaded TensorFlow graph it cannot write back', async () => {
    if (!corpus) return;
    const { loadTensorFlow } = await import('@kiln-inference/tf-graph');
    const tf = await loadTensorFlow(join(corpus, 'tf', 'frozen', 'tf2onnx-fc-layers-frozen.pb'));
    const graph = await createInferenceGraph({ graph: tf, engineOptions });
    await expect(graph.save(tmp())).rejects.toThrow(/a loaded tf graph cannot be saved/);
    await graph.dispose();
  });

  it('reports a folder that is not a saved inference graph', async () => {
    await expect(loadInferenceGraph(tmp())).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});
