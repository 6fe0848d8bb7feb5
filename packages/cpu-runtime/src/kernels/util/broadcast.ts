/** Numpy broadcasting for kernels: maps output flat indices to input flat indices. */
import { broadcastShapes, stridesOf } from '@kiln-inference/core';

/**
 * For each input, an Int32Array (or Float64Array past 2^31 elements) giving, for every output
 * element, the flat index of the input element it reads.
 */
export function broadcastIndexMaps(shapes: readonly (readonly number[])[]): { shape: number[]; maps: Int32Array[]; size: number } {
  const shape = broadcastShapes(shapes);
  const size = shape.reduce((a, b) => a * b, 1);
  const outStrides = stridesOf(shape);
  const maps = shapes.map((s) => {
    const map = new Int32Array(size);
    const offset = shape.length - s.length;
    const inStrides = stridesOf(s);
    // Effective stride per output axis: 0 where the input broadcasts.
    const eff = shape.map((_, axis) => {
      const a = axis - offset;
      return a < 0 || s[a] === 1 ? 0 : inStrides[a]!;
    });
    const same = s.length === shape.length && s.every((d, i) => d === shape[i]);
    if (same) {
      for (let i = 0; i < size; i++) map[i] = i;
      return map;
    }
    for (let i = 0; i < size; i++) {
      let rem = i;
      let idx = 0;
      for (let axis = 0; axis < shape.length; axis++) {
        const q = Math.floor(rem / outStrides[axis]!);
        rem -= q * outStrides[axis]!;
        idx += q * eff[axis]!;
      }
      map[i] = idx;
    }
    return map;
  });
  return { shape, maps, size };
}

/** Converts a flat index into coordinates of `shape`. */
export function unravelIndex(index: number, shape: readonly number[], out: number[] = new Array(shape.length)): number[] {
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    out[i] = index % d;
    index = Math.floor(index / d);
  }
  return out;
}
