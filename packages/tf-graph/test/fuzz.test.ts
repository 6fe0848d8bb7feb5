import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { CORPUS_MISSING_MESSAGE, corpusDir, fuzz } from '@kiln-inference/testkit';
import { importGraphDef, importTfjsModel, readBundleIndex, readSavedModel } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';

const corpus = corpusDir();
const read = (...p: string[]): Uint8Array => new Uint8Array(readFileSync(join(corpus!, ...p)));

describe.skipIf(!corpus)(
  'bounded fuzz: mutated TF files raise KilnErrors, never crash or hang',
  () => {
    it('frozen GraphDefs', async () => {
      const lstm = read('tf/frozen/tf2onnx-lstm-frozen.pb');
      const small = read('tf/frozen/tf2onnx-regression-graphdef-frozen.pb');
      // Graphs that still parse must also convert or be refused with a KilnError.
      const importAndConvert = (b: Uint8Array): unknown => convertGraph(importGraphDef(b), createTfRegistry());
      const rejected = (await fuzz(lstm, 1, 150, importAndConvert)) + (await fuzz(small, 2, 300, importAndConvert));
      expect(rejected).toBeGreaterThan(50);
    });

    it('TensorFlow.js model.json and shards', async () => {
      const json = read('tf/tfjs/models/liveness.json');
      const shard = read('tf/tfjs/models/liveness.bin');
      const text = new TextDecoder();
      const rejectedJson = await fuzz(json, 3, 200, (b) => importTfjsModel(text.decode(b), () => shard));
      const rejectedShard = await fuzz(shard, 4, 60, (b) => importTfjsModel(text.decode(json), () => b));
      expect(rejectedJson).toBeGreaterThan(50);
      expect(rejectedShard).toBeGreaterThan(10);
    });

    it('SavedModel and checkpoint index', async () => {
      const dir = 'tf/savedmodel/half_plus_two/00000123';
      const rejectedPb = await fuzz(read(dir, 'saved_model.pb'), 5, 300, (b) => readSavedModel(b));
      const rejectedIndex = await fuzz(read(dir, 'variables/variables.index'), 6, 300, (b) => readBundleIndex(b));
      expect(rejectedPb).toBeGreaterThan(50);
      expect(rejectedIndex).toBeGreaterThan(50);
    });
  },
  20_000,
);

if (!corpus) it.skip(CORPUS_MISSING_MESSAGE, () => {});
