import { ErrorCode, type ProgressEvent, type Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import {
  calibrate,
  entropyCalibrator,
  type Feeds,
  minMaxCalibrator,
  observationNetwork,
  parseCalibrationCache,
  serializeCalibrationCache,
} from '../src/index.js';
import { convMatmulNetwork, FLAT, RELU_OUT, randomBatches, runOnCpu } from './qdq-network-fixtures.js';

const maxAbs = (t: Tensor) => Math.max(...Array.from(t.data as Float32Array, Math.abs));

async function* lazily(batches: Feeds[]): AsyncGenerator<Feeds> {
  for (const b of batches) yield b;
}

describe('calibrate', () => {
  it('observes inputs and intermediate tensors on the CPU engine: min-max scales are max|x|/127 over all batches', async () => {
    const net = convMatmulNetwork();
    const batches = randomBatches(3, 100);
    const cache = await calibrate(net, lazily(batches), { calibrator: minMaxCalibrator() });
    // The caller's network is not changed by observing it.
    expect(net.outputs).toEqual(['y']);
    expect(cache.algorithm).toBe('MinMaxCalibration');
    expect(cache.version).toBe('8601');
    expect([...cache.scales.keys()]).toEqual(['x', FLAT]);
    expect(cache.scales.get('x')).toBe(Math.fround(Math.max(...batches.map((b) => maxAbs(b.x!))) / 127));
    // The flattened activation, computed by running each batch with it as an output.
    const observed = observationNetwork(net, [FLAT]);
    const flatMax = Math.max(...(await Promise.all(batches.map(async (b) => maxAbs((await runOnCpu(observed, b))[FLAT]!)))));
    expect(flatMax).toBeGreaterThan(0);
    expect(cache.scales.get(FLAT)).toBe(Math.fround(flatMax / 127));
  });

  it('uses entropy calibration by default and reports progress per batch', async () => {
    const events: ProgressEvent[] = [];
    const cache = await calibrate(convMatmulNetwork(), randomBatches(3, 7), { onProgress: (e) => events.push(e) });
    expect(cache.algorithm).toBe('EntropyCalibration2');
    expect(events.filter((e) => e.phase === 'calibrate' && e.done !== undefined).map((e) => e.done)).toEqual([1, 2, 3]);
    expect(events.filter((e) => e.phase === 'calibrate-thresholds').map((e) => e.item)).toEqual(['x', FLAT]);
    for (const scale of cache.scales.values()) expect(scale).toBeGreaterThan(0);
    // The cache round-trips through its text form.
    expect(parseCalibrationCache(serializeCalibrationCache(cache))).toEqual(cache);
  });

  it('calibrates any named tensor, and refuses names the network lacks', async () => {
    const cache = await calibrate(convMatmulNetwork(), randomBatches(1, 3), { calibrator: minMaxCalibrator(), tensors: [RELU_OUT] });
    expect([...cache.scales.keys()]).toEqual([RELU_OUT]);
    await expect(calibrate(convMatmulNetwork(), randomBatches(1, 3), { tensors: ['nope'] })).rejects.toThrow(
      /cannot calibrate 'nope': the network has no such tensor/,
    );
  });

  it('skips running when given a cache that covers the tensors', async () => {
    const cache = parseCalibrationCache(`TRT-8601-EntropyCalibration2\nx: 3c010a14\n${FLAT}: 3f800000\n`);
    const untouchable: Iterable<Feeds> = {
      [Symbol.iterator]() {
        throw new Error('the batches were read');
      },
    };
    expect(await calibrate(convMatmulNetwork(), untouchable, { cache })).toBe(cache);
    const partial = parseCalibrationCache('TRT-8601-EntropyCalibration2\nx: 3c010a14\n');
    await expect(calibrate(convMatmulNetwork(), untouchable, { cache: partial })).rejects.toThrow(
      /the calibration cache has no scale for 'flat'/,
    );
  });

  it('stops when its signal fires, and refuses an empty batch list, a non-iterable and feeds that miss an input', async () => {
    const controller = new AbortController();
    const run = calibrate(convMatmulNetwork(), lazily(randomBatches(5, 1)), {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.done === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    await expect(calibrate(convMatmulNetwork(), [], { calibrator: entropyCalibrator() })).rejects.toThrow(/calibration got no batches/);
    await expect(calibrate(convMatmulNetwork(), randomBatches(1, 1)[0] as never)).rejects.toThrow(
      /calibration batches must be an array or an \(async\) iterable of feeds, got object/,
    );
    await expect(calibrate(convMatmulNetwork(), [{}])).rejects.toMatchObject({ code: ErrorCode.MISSING_FEED });
  });
});
