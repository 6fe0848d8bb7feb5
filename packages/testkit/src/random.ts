/** Deterministic random data for tests: mulberry32, the generator the corpus recipes use. */
import { type DType, shapeSize, Tensor } from '@kiln-inference/core';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [low, high) of a float dtype (or integers in [low, high) for int dtypes). */
export function randomTensor(dtype: DType, shape: readonly number[], seed = 1, low = -1, high = 1): Tensor {
  const rand = mulberry32(seed);
  const n = shapeSize(shape);
  const values = Array.from({ length: n }, () => low + (high - low) * rand());
  const isFloat = dtype.startsWith('float') || dtype === 'bfloat16';
  return Tensor.fromValues(dtype, shape, isFloat ? values : values.map(Math.floor));
}
