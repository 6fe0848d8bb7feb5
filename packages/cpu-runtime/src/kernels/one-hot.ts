/**
 * one_hot: inputs [indices, depth, values=[off, on]]; inserts a depth-sized axis at `axis`.
 * Negative indices count from depth; indices outside [-depth, depth) give an all-off row.
 */
import { Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { axisIn, checkedShape, layerError, requireInput, storageAt, storageSet } from './util/data-movement.js';

export const oneHotKernel: Kernel<'one_hot'> = (layer, inputs) => {
  const indices = requireInput(layer, inputs, 0, 'indices');
  const depthT = requireInput(layer, inputs, 1, 'depth');
  const values = requireInput(layer, inputs, 2, 'values');
  if (depthT.size !== 1 || depthT.dtype === 'string') throw layerError(layer, `depth must be one number, got ${depthT.toString()}`);
  if (values.size !== 2) throw layerError(layer, `values must hold [off, on], got ${values.toString()}`);
  const depth = Math.trunc(depthT.getNumber(0));
  if (!(depth >= 1)) throw layerError(layer, `depth ${depthT.getNumber(0)} must be at least 1`);
  if (indices.dtype === 'string') throw layerError(layer, 'indices must be numeric');
  const idx = Array.from(indices.toFloat64(), Math.trunc);
  const axis = axisIn(layer, layer.params.axis, indices.rank + 1);
  const shape = checkedShape(layer, [...indices.shape.slice(0, axis), depth, ...indices.shape.slice(axis)]);
  const out = new Tensor(values.dtype, shape);
  const off = storageAt(values.data, 0);
  const on = storageAt(values.data, 1);
  for (let i = 0; i < out.size; i++) storageSet(out.data, i, off);
  // Output index = outer * depth * inner + d * inner + rest, where outer/inner split the indices at axis.
  const inner = indices.shape.slice(axis).reduce((a, b) => a * b, 1);
  idx.forEach((v, i) => {
    const d = v < 0 ? v + depth : v;
    if (d < 0 || d >= depth) return;
    const outer = Math.floor(i / inner);
    const rest = i % inner;
    storageSet(out.data, outer * depth * inner + d * inner + rest, on);
  });
  return [out];
};
