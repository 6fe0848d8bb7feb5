/**
 * calibrate(): per-tensor int8 scales for a network's activations, from user batches or from a
 * calibration cache. Each tensor keeps one collector (a fixed-size histogram or a running max),
 * so memory does not grow with the number of batches.
 */
import { ErrorCode, emitProgress, type JobOptions, KilnError, type Network, throwIfAborted } from '@kiln-inference/core';
import { type CalibrationCache, DEFAULT_CACHE_VERSION } from './calibration-cache.js';
import type { Calibrator, RangeCollector } from './calibrator.js';
import { entropyCalibrator } from './entropy-calibrator.js';
import { type Feeds, observeActivations } from './observe-activations.js';
import { calibrationTensors } from './quantization-targets.js';
import { symmetricScale } from './symmetric-scale.js';

export interface CalibrateOptions extends JobOptions {
  /** Default: entropyCalibrator(). */
  calibrator?: Calibrator;
  /** A cache from an earlier run (parseCalibrationCache): its scales are used and nothing runs. */
  cache?: CalibrationCache;
  /** The tensors to calibrate; default calibrationTensors(network), what insertQdq needs. */
  tensors?: readonly string[];
}

/**
 * Runs `batches` (feeds by input name) through the float network and returns the scales as a
 * calibration cache (write it with serializeCalibrationCache). With `options.cache`, checks that
 * it covers the tensors and returns it without running anything; with no tensors to calibrate,
 * returns an empty cache without running anything.
 */
export async function calibrate(
  network: Network,
  batches: AsyncIterable<Feeds> | Iterable<Feeds>,
  options: CalibrateOptions = {},
): Promise<CalibrationCache> {
  const tensors = options.tensors ?? calibrationTensors(network);
  throwIfAborted(options.signal, 'calibration');
  if (options.cache) {
    const missing = tensors.filter((t) => !options.cache?.scales.has(t));
    if (missing.length > 0) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `the calibration cache has no scale for ${missing.map((m) => `'${m}'`).join(', ')}`, {
        hint: 'the cache belongs to another model or version of it: delete it and calibrate again',
      });
    }
    emitProgress(options.onProgress, { phase: 'calibrate', message: `${tensors.length} scales from the calibration cache` });
    return options.cache;
  }
  const calibrator = options.calibrator ?? entropyCalibrator();
  if (tensors.length === 0) {
    // Nothing to observe (e.g. a QDQ model carrying its own ranges): no batch needs to run.
    emitProgress(options.onProgress, { phase: 'calibrate', message: 'no tensors to calibrate' });
    return { version: DEFAULT_CACHE_VERSION, algorithm: calibrator.algorithm, scales: new Map() };
  }
  if (!isIterable(batches)) {
    throw new KilnError(
      ErrorCode.INVALID_ARGUMENT,
      `calibration batches must be an array or an (async) iterable of feeds, got ${typeof batches}`,
      {
        hint: 'pass e.g. [{ x: tensor }, …] or an async generator that yields feeds by input name',
      },
    );
  }
  const collectors = new Map<string, RangeCollector>(tensors.map((t) => [t, calibrator.createCollector()]));
  const count = await observeActivations(
    network,
    tensors,
    batches,
    (t, values) => collectors.get(t)?.observe(values, `tensor '${t}'`),
    options,
  );
  if (count === 0) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'calibration got no batches', {
      hint: 'pass at least one feeds object (a few hundred representative samples in all is typical)',
    });
  }
  const scales = new Map<string, number>();
  let done = 0;
  for (const [t, collector] of collectors) {
    throwIfAborted(options.signal, 'calibration');
    scales.set(t, Math.fround(symmetricScale(collector.threshold())));
    emitProgress(options.onProgress, { phase: 'calibrate-thresholds', done: ++done, total: collectors.size, item: t });
  }
  return { version: DEFAULT_CACHE_VERSION, algorithm: calibrator.algorithm, scales };
}

function isIterable(value: unknown): value is AsyncIterable<Feeds> | Iterable<Feeds> {
  const v = value as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null | undefined;
  return typeof v?.[Symbol.iterator] === 'function' || typeof v?.[Symbol.asyncIterator] === 'function';
}
