/** The largest |x| of a batch, refusing NaN and ±Inf (they have no place on an int8 scale). */
import { ErrorCode, KilnError } from '@kiln-inference/core';

/** `what` names the tensor in the error. */
export function maxAbs(values: ArrayLike<number>, what = 'tensor'): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (!(a <= Number.MAX_VALUE)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${what} holds ${values[i]} at element ${i}; calibration needs finite values`, {
        hint: 'check the calibration feeds (NaN or Inf inputs) or leave this tensor out of calibration',
      });
    }
    if (a > max) max = a;
  }
  return max;
}
