/**
 * Symmetric int8 quantization (zero point 0, codes −127…127 so that ±T map to ±127 alike, as
 * TensorRT does): scale = T / 127.
 */
export const INT8_LIMIT = 127;

/**
 * The scale for threshold `t`. A tensor that was all zeros (t = 0, or so small that its scale is 0
 * in float32) gets scale 1: any positive scale represents 0 exactly, and a zero scale would divide
 * by zero in quantize.
 */
export function symmetricScale(t: number): number {
  const scale = t / INT8_LIMIT;
  return Math.fround(scale) > 0 ? scale : 1;
}

/** What quantize can divide by: positive and finite (a cache's scales and a caller's must be). */
export function isValidScale(scale: number): boolean {
  return Number.isFinite(scale) && scale > 0;
}
