/**
 * split_to_sequence (ONNX SplitToSequence): x cut along an axis into a sequence. No split: pieces
 * of size 1, squeezed unless keepDims. Scalar split: pieces of that size, the last shorter when
 * the dim does not divide. 1-D split: exactly those sizes.
 */
import type { Layer, Tensor } from '@kiln-inference/core';
import type { ValueKernel } from '../../kernel.js';
import { TensorSequence } from '../../runtime-value.js';
import { axisIn, integerValues, layerError, mapAxes } from '../util/data-movement.js';
import { tensorInput } from './sequence-values.js';

function pieceSizes(layer: Layer, dim: number, split: Tensor | undefined): number[] {
  if (!split) return Array.from({ length: dim }, () => 1);
  const values = integerValues(layer, split, 'split');
  if (split.rank === 0) {
    const size = values[0]!;
    if (!Number.isInteger(size) || size < 1) throw layerError(layer, `split size ${size} must be a positive integer`);
    return Array.from({ length: Math.ceil(dim / size) }, (_, i) => Math.min(size, dim - i * size));
  }
  if (split.rank !== 1) throw layerError(layer, `split must be a scalar or 1-D, got rank ${split.rank}`);
  if (values.some((s) => s < 0) || values.reduce((a, b) => a + b, 0) !== dim) {
    throw layerError(layer, `split sizes [${values.join(',')}] do not add up to the axis length ${dim}`);
  }
  return values;
}

export const splitToSequenceKernel: ValueKernel<'split_to_sequence'> = (layer, inputs) => {
  const x = tensorInput(layer, inputs, 0, 'input');
  const axis = axisIn(layer, layer.params.axis, x.rank);
  const split = inputs[1] ? tensorInput(layer, inputs, 1, 'split') : undefined;
  const sizes = pieceSizes(layer, x.shape[axis]!, split);
  const squeeze = !split && !layer.params.keepDims;
  let start = 0;
  const pieces = sizes.map((size) => {
    const shape = [...x.shape];
    shape[axis] = size;
    const offset = start;
    const maps = shape.map((n, a) => Array.from({ length: n }, (_, c) => (a === axis ? c + offset : c)));
    start += size;
    const piece = mapAxes(x, shape, maps);
    return squeeze ? piece.reshape(shape.filter((_, a) => a !== axis)) : piece;
  });
  return [new TensorSequence(x.dtype, pieces)];
};
