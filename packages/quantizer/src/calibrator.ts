/**
 * What a calibration algorithm is: a name (kept in the calibration cache header) and a factory of
 * per-tensor collectors that see every batch's values and finally name a threshold T, the |x|
 * that maps to the largest int8 code (scale = T / 127, see symmetric-scale.ts).
 */

/** Accumulates one tensor's values across batches in memory independent of the batch count. */
export interface RangeCollector {
  /** `what` names the tensor in errors. */
  observe(values: ArrayLike<number>, what?: string): void;
  /** The clipping threshold (≥ 0) chosen from everything observed. */
  threshold(): number;
}

export interface Calibrator {
  /** The algorithm as a calibration cache header names it, e.g. 'EntropyCalibration2'. */
  readonly algorithm: string;
  createCollector(): RangeCollector;
}
