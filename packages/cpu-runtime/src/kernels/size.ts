/** size: the input's element count as an int64 scalar. */
import { Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { requireInput } from './util/data-movement.js';

export const sizeKernel: Kernel<'size'> = (layer, inputs) => {
  const x = requireInput(layer, inputs, 0, 'x');
  return [new Tensor('int64', [], BigInt64Array.of(BigInt(x.size)))];
};
