/**
 * How corpus models split for the cuda target (issue #18's coverage acceptance): the partition
 * is decided by the native support table alone, so it is checked here without a GPU. The GPU
 * tests run the same programs on the device.
 */
import { join } from 'node:path';
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { partitionModel } from '../src/cli/commands/partition.js';

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);

const MODELS = [
  { name: 'facemesh (TF.js: PReLU)', path: 'tf/tfjs/models/facemesh.json', maxEngines: 1 },
  { name: 'PaddleOCR v4 det (ONNX: ConvTranspose)', path: 'onnx-models/paddleocr-ppocrv4-det/ch_PP-OCRv4_det_infer.onnx', maxEngines: 1 },
  // Its keypoint decoder is integer index math: ArgMax, int32 floor-div/mod, GatherNd.
  { name: 'MoveNet (TF.js: integer index math)', path: 'tf/tfjs/models/movenet-lightning.json', maxEngines: 1 },
];

describe.skipIf(!corpus)(`cuda target coverage of corpus models${corpus ? '' : ' (skipped: corpus not found)'}`, () => {
  for (const m of MODELS) {
    it(`puts ${m.name} in at most ${m.maxEngines} CUDA engine(s) with nothing left on the CPU`, async () => {
      const report = await partitionModel(join(corpus!, m.path), { target: 'cuda', minimumSegmentSize: 3 });
      expect(report.segments.length).toBeGreaterThanOrEqual(1);
      expect(report.segments.length).toBeLessThanOrEqual(m.maxEngines);
      expect(report.fallback.map((f) => `${f.op}: ${f.reasons.map((r) => r.reason).join('; ')}`)).toEqual([]);
    }, 120_000);
  }
});
