/**
 * shuffle: transpose → reshape → transpose (TensorRT's IShuffleLayer). Reshape dims come from
 * params or from a second input; 0 copies the input dim (unless allowZero) and one -1 is inferred.
 */
import { type Layer, resolveReshape, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { integerValues, layerError, requireInput, transposeTensor } from './util/data-movement.js';

function checkPerm(layer: Layer, perm: readonly number[], rank: number): number[] {
  const seen = new Set<number>();
  const out = perm.map((p) => (p < 0 ? p + rank : p));
  const ok = out.length === rank && out.every((p) => Number.isInteger(p) && p >= 0 && p < rank && !seen.has(p) && seen.add(p));
  if (!ok)
    throw layerError(layer, `permutation [${perm.join(',')}] does not fit rank ${rank}`, 'a permutation lists every axis exactly once');
  return out;
}

export const shuffleKernel: Kernel<'shuffle'> = (layer, inputs) => {
  let x: Tensor = requireInput(layer, inputs, 0, 'x');
  const { firstTranspose, reshape, secondTranspose, allowZero } = layer.params;
  if (firstTranspose) x = transposeTensor(x, checkPerm(layer, firstTranspose, x.rank));
  const shapeInput = inputs[1];
  const dims = shapeInput ? integerValues(layer, shapeInput, 'reshape dims') : reshape;
  if (dims) x = x.reshape(resolveReshape(x.shape, dims, allowZero ?? false));
  if (secondTranspose) x = transposeTensor(x, checkPerm(layer, secondTranspose, x.rank));
  return [x];
};
