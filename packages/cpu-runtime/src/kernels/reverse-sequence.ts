/** reverse_sequence: reverses the first sequenceLens[b] steps along timeAxis of every batch b. */
import { stridesOf } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { unravelIndex } from './util/broadcast.js';
import { axisIn, integerValues, layerError, requireInput } from './util/data-movement.js';
import { gatherElements } from './util/values.js';

export const reverseSequenceKernel: Kernel<'reverse_sequence'> = (layer, inputs) => {
  const x = requireInput(layer, inputs, 0, 'x');
  const lens = integerValues(layer, requireInput(layer, inputs, 1, 'sequenceLens'), 'sequenceLens');
  const batchAxis = axisIn(layer, layer.params.batchAxis, x.rank);
  const timeAxis = axisIn(layer, layer.params.timeAxis, x.rank);
  if (batchAxis === timeAxis) throw layerError(layer, 'batch and time axes must differ');
  const T = x.shape[timeAxis]!;
  if (lens.length !== x.shape[batchAxis])
    throw layerError(layer, `sequenceLens has ${lens.length} values for batch size ${x.shape[batchAxis]}`);
  if (lens.some((l) => l < 0 || l > T)) throw layerError(layer, `sequence lengths [${lens.join(',')}] must lie in [0, ${T}]`);
  const strides = stridesOf(x.shape);
  const coord: number[] = new Array<number>(x.rank);
  return [
    gatherElements(x, x.shape, (i) => {
      unravelIndex(i, x.shape, coord);
      const len = lens[coord[batchAxis]!]!;
      const t = coord[timeAxis]!;
      return t < len ? i + (len - 1 - 2 * t) * strides[timeAxis]! : i;
    }),
  ];
};
