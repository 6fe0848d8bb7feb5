import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose } from '@kiln-inference/testkit';
import { detectTfFormat, loadSavedModel, loadTensorFlow, readBundleIndex, readSavedModel } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';

const corpus = corpusDir();
const dir = corpus ? join(corpus, 'tf/savedmodel/half_plus_two/00000123') : '';

describe.skipIf(!corpus)('SavedModel: half_plus_two', () => {
  it('lists the serve MetaGraph and its serving_default signature', () => {
    const metaGraphs = readSavedModel(new Uint8Array(readFileSync(join(dir, 'saved_model.pb'))));
    const serve = metaGraphs.find((m) => m.tags.includes('serve'))!;
    expect(serve).toBeDefined();
    const sig = serve.signatures.find((s) => s.key === 'serving_default')!;
    expect(sig.methodName).toBe('tensorflow/serving/predict');
    expect(sig.outputs.map((o) => o.tensorName)).toEqual(['Add:0']);
    expect(serve.graphDef.nodes.some((n) => n.op === 'RestoreV2')).toBe(true);
  });

  it('reads the checkpoint index entries with their shards and offsets', () => {
    const { header, entries } = readBundleIndex(new Uint8Array(readFileSync(join(dir, 'variables/variables.index'))));
    expect(header.numShards).toBe(1);
    expect([...entries.keys()]).toEqual(['Variable', 'Variable_1']);
    expect(entries.get('Variable_1')).toMatchObject({ shardId: 0, offset: 4, size: 4 });
  });

  it('restores its two variables to 0.5 and 2.0 and runs the signature', async () => {
    const loaded = await loadSavedModel(dir);
    expectTensorClose(loaded.variables.get('Variable')!, Tensor.scalar('float32', 0.5), { rtol: 0, atol: 0 });
    expectTensorClose(loaded.variables.get('Variable_1')!, Tensor.scalar('float32', 2), { rtol: 0, atol: 0 });
    // The graph is pruned to the signature output: no save/restore nodes remain.
    expect(loaded.graph.nodes.map((n) => n.op)).toEqual(['Add']);
    const network = convertGraph(loaded.graph, createTfRegistry());
    const feeds = { uid: Tensor.fromValues('int32', [2, 1], [3, 4]), user_age: Tensor.fromValues('int32', [2, 1], [10, 20]) };
    const out = new ReferenceExecutor().run(network, feeds).get('Add')!;
    expectTensorClose(out, Tensor.fromValues('int32', [2, 1], [13, 24]), { rtol: 0, atol: 0 });
  });

  it('turns the variables into weights the graph reads', async () => {
    const { graph } = await loadSavedModel(dir, { outputs: ['Variable/read', 'Variable_1/read'] });
    expect([...graph.weights.keys()].sort()).toEqual(['Variable', 'Variable_1']);
    const results = new ReferenceExecutor().run(convertGraph(graph, createTfRegistry()), {});
    expectTensorClose(results.get('Variable/read')!, Tensor.scalar('float32', 0.5), { rtol: 0, atol: 0 });
    expectTensorClose(results.get('Variable_1/read')!, Tensor.scalar('float32', 2), { rtol: 0, atol: 0 });
  });

  it('names the available signatures when asked for a missing one', async () => {
    await expect(loadSavedModel(dir, { signature: 'nope' })).rejects.toThrow(/no signature 'nope'.*serving_default/);
    await expect(loadSavedModel(dir, { tags: ['train'] })).rejects.toThrow(/no MetaGraph has tags \[train\]/);
  });
});

if (!corpus) it.skip(CORPUS_MISSING_MESSAGE, () => {});

describe.skipIf(!corpus)('loadTensorFlow picks the reader from the path', () => {
  it('reads a SavedModel folder, a model.json and a frozen .pb', async () => {
    expect(await detectTfFormat(dir)).toBe('savedmodel');
    expect((await loadTensorFlow(dir)).metadata.source).toBe('tf-savedmodel');
    expect((await loadTensorFlow(join(corpus!, 'tf/tfjs/models/liveness.json'))).metadata.source).toBe('tfjs-graph-model');
    expect((await loadTensorFlow(join(corpus!, 'tf/frozen/tf2onnx-regression-graphdef-frozen.pb'))).metadata.source).toBe('tf-graphdef');
    await expect(loadTensorFlow(join(corpus!, 'tf/savedmodel'))).rejects.toThrow(/without saved_model.pb/);
  });
});
