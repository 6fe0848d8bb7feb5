/** Known values of small constant tensors, so shape-computing subgraphs can be followed. */
import type { Tensor } from '@kiln-inference/core';
import type { KnownValue } from './context.js';

/** Only small 0-D/1-D numeric tensors matter for shapes, axes, scales and sizes. */
const MAX_KNOWN_ELEMENTS = 64;

export function knownValueOf(t: Tensor): KnownValue | undefined {
  if (t.rank > 1 || t.size > MAX_KNOWN_ELEMENTS || t.dtype === 'string') return undefined;
  return { scalar: t.rank === 0, dims: Array.from(t.toFloat64()) };
}
