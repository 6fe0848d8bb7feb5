/**
 * padding: ONNX Pad (inputs [x, pads, value?, axes?]) in constant, reflect, edge and wrap
 * modes. Negative pads crop. Elements are copied as storage, so every dtype pads exactly.
 */
import type { Layer } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { axisIn, checkedShape, integerValues, layerError, mapAxes, requireInput, storageAt } from './util/data-movement.js';

type Mode = Layer<'padding'>['params']['mode'];

/** Source coordinate for output coordinate c of an axis, or -1 for the constant value. */
function sourceCoord(mode: Mode, c: number, begin: number, dim: number): number {
  const i = c - begin;
  if (i >= 0 && i < dim) return i;
  if (mode === 'constant' || dim === 0) return -1;
  if (mode === 'edge') return i < 0 ? 0 : dim - 1;
  if (mode === 'wrap') return ((i % dim) + dim) % dim;
  if (dim === 1) return 0;
  const period = 2 * (dim - 1);
  const m = ((i % period) + period) % period;
  return m < dim ? m : period - m;
}

export const paddingKernel: Kernel<'padding'> = (layer, inputs) => {
  const x = requireInput(layer, inputs, 0, 'x');
  const pads = integerValues(layer, requireInput(layer, inputs, 1, 'pads'), 'pads');
  const axes = inputs[3] ? integerValues(layer, inputs[3], 'axes').map((a) => axisIn(layer, a, x.rank)) : x.shape.map((_, i) => i);
  if (pads.length !== 2 * axes.length)
    throw layerError(layer, `pads has ${pads.length} values for ${axes.length} axes`, 'pads lists all begins, then all ends');
  const begin = x.shape.map(() => 0);
  const end = x.shape.map(() => 0);
  axes.forEach((a, i) => {
    begin[a] = pads[i]!;
    end[a] = pads[i + axes.length]!;
  });
  const { mode } = layer.params;
  const shape = checkedShape(
    layer,
    x.shape.map((d, i) => d + begin[i]! + end[i]!),
  );
  if (mode === 'reflect') {
    x.shape.forEach((d, i) => {
      if ((begin[i]! > 0 || end[i]! > 0) && d === 0) throw layerError(layer, `cannot reflect-pad empty axis ${i}`);
    });
  }
  const maps = shape.map((n, a) => Int32Array.from({ length: n }, (_, c) => sourceCoord(mode, c, begin[a]!, x.shape[a]!)));
  const value = inputs[2];
  if (value && value.dtype !== x.dtype) throw layerError(layer, `pad value is ${value.dtype} but x is ${x.dtype}`);
  const fill = value && value.size > 0 ? storageAt(value.data, 0) : undefined;
  return [mapAxes(x, shape, maps, fill)];
};
