/** shape: the input's dims as int64, sliced to [start, end) with ONNX Shape-15 clamping. */
import { Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { requireInput } from './util/data-movement.js';

export const shapeKernel: Kernel<'shape'> = (layer, inputs) => {
  const x = requireInput(layer, inputs, 0, 'x');
  const rank = x.rank;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(layer.params.start ?? 0);
  const end = clamp(layer.params.end ?? rank);
  const dims = x.shape.slice(start, Math.max(start, end));
  return [
    new Tensor(
      'int64',
      [dims.length],
      BigInt64Array.from(dims, (d) => BigInt(d)),
    ),
  ];
};
