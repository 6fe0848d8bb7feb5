/**
 * INT8 Q/DQ on a real trained network: the corpus' MNIST CNN (TensorFlow frozen GraphDef; three
 * convolutions, two matmuls). Calibration and evaluation inputs are the corpus' two digits
 * shifted by up to 3 pixels, dimmed and given background noise (distinct seeds for the two sets).
 * Measured on the CPU engine (32 evaluation inputs): top-1 agreement with the float model 32/32
 * for all three calibrators; largest softmax difference 0.051 (entropy), 0.023 (percentile),
 * 0.030 (min-max).
 */
import { join } from 'node:path';
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { type Network, Tensor } from '@kiln-inference/core';
import { buildPlan, Engine } from '@kiln-inference/engine';
import {
  argmax,
  CORPUS_MISSING_MESSAGE,
  caseFeeds,
  corpusDir,
  expectTensorClose,
  mulberry32,
  readReference,
} from '@kiln-inference/testkit';
import { loadTensorFlow } from '@kiln-inference/tf-graph';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Calibrator,
  calibrate,
  entropyCalibrator,
  type Feeds,
  insertQdq,
  minMaxCalibrator,
  parseCalibrationCache,
  percentileCalibrator,
  serializeCalibrationCache,
} from '../src/index.js';

const corpus = corpusDir();

/** One of the two digits, shifted by up to ±3 pixels, scaled by 0.6–1 and with 0–0.1 noise added. */
function digitVariant(digits: Tensor[], seed: number): Feeds {
  const rand = mulberry32(seed);
  const digit = digits[Math.floor(rand() * digits.length)]!.data as Float32Array;
  const [dx, dy, gain] = [Math.floor(rand() * 7) - 3, Math.floor(rand() * 7) - 3, 0.6 + 0.4 * rand()];
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const [sy, sx] = [y - dy, x - dx];
      const v = sy >= 0 && sy < 28 && sx >= 0 && sx < 28 ? digit[sy * 28 + sx]! : 0;
      out[y * 28 + x] = Math.min(1, v * gain + 0.1 * rand());
    }
  }
  return { x: new Tensor('float32', [1, 28, 28, 1], out) };
}

async function runAll(network: Network, feeds: Feeds[]): Promise<Tensor[]> {
  const context = (await Engine.create(await buildPlan(network, { backend: 'cpu' }), { backend: 'cpu' })).createExecutionContext();
  try {
    const outputs: Tensor[] = [];
    for (const f of feeds) outputs.push((await context.run(f)).output!);
    return outputs;
  } finally {
    await context.dispose();
  }
}

describe.skipIf(!corpus)('INT8 Q/DQ accuracy on the MNIST CNN (corpus)', () => {
  if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);
  let network: Network;
  let digits: Tensor[];
  let calibration: Feeds[];
  let evaluation: Feeds[];
  let float: Tensor[];

  beforeAll(async () => {
    const root = corpus!;
    network = convertGraph(
      await loadTensorFlow(join(root, 'tf/frozen/mengwanguc-mnist-cnn.pb'), { outputs: ['output'] }),
      createTfRegistry(),
    );
    const reference = readReference(join(root, 'tf/frozen-reference/mengwanguc-mnist-cnn'));
    digits = reference.cases.map((c) => caseFeeds(reference, c).get('x')!);
    calibration = Array.from({ length: 16 }, (_, i) => digitVariant(digits, 100 + i));
    evaluation = Array.from({ length: 32 }, (_, i) => digitVariant(digits, 1000 + i));
    float = await runAll(network, evaluation);
  });

  const calibrators: [string, () => Calibrator, number][] = [
    ['entropy', () => entropyCalibrator(), 0.1],
    ['percentile', () => percentileCalibrator(), 0.05],
    ['min-max', () => minMaxCalibrator(), 0.05],
  ];
  for (const [name, calibrator, atol] of calibrators) {
    it(`${name} calibration: same top-1 on every input, softmax within ${atol}`, async () => {
      const cache = await calibrate(network, calibration, { calibrator: calibrator() });
      const { network: quantized, report } = insertQdq(network, cache);
      expect(report).toEqual({ activations: 5, weights: 5, layers: 5 });
      const outputs = await runAll(quantized, evaluation);
      const agree = outputs.filter((o, i) => argmax(o.data as Float32Array) === argmax(float[i]!.data as Float32Array)).length;
      expect(agree).toBe(evaluation.length);
      for (const [i, o] of outputs.entries()) expectTensorClose(o, float[i]!, { rtol: 0, atol });
      // The corpus' own digits keep their labels.
      const own = await runAll(
        quantized,
        digits.map((x) => ({ x })),
      );
      expect(own.map((o) => argmax(o.data as Float32Array))).toEqual([0, 1]);
    });
  }

  it('gives the same quantized network from a written and re-read calibration cache, without running', async () => {
    const cache = await calibrate(network, calibration);
    const reread = parseCalibrationCache(serializeCalibrationCache(cache));
    const fromCache = await calibrate(network, [], { cache: reread });
    const [direct] = await runAll(insertQdq(network, cache).network, evaluation.slice(0, 1));
    const [cached] = await runAll(insertQdq(network, fromCache).network, evaluation.slice(0, 1));
    expectTensorClose(cached!, direct!, { rtol: 0, atol: 0 });
  });
});
