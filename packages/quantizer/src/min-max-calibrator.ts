/** Min-max calibration: the threshold is the largest |x| seen (nothing is clipped). */
import type { Calibrator, RangeCollector } from './calibrator.js';
import { maxAbs } from './max-abs.js';

class MaxAbsCollector implements RangeCollector {
  private max = 0;

  observe(values: ArrayLike<number>, what?: string): void {
    this.max = Math.max(this.max, maxAbs(values, what));
  }

  threshold(): number {
    return this.max;
  }
}

export function minMaxCalibrator(): Calibrator {
  return { algorithm: 'MinMaxCalibration', createCollector: () => new MaxAbsCollector() };
}
