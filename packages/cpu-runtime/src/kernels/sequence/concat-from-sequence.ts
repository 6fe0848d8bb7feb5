/**
 * concat_from_sequence (ONNX ConcatFromSequence): the elements joined along an axis, or stacked
 * along a new axis inserted at `axis` when newAxis is set.
 */
import type { Layer } from '@kiln-inference/core';
import type { ValueKernel } from '../../kernel.js';
import { concatenationKernel } from '../concatenation.js';
import { axisIn, layerError } from '../util/data-movement.js';
import { sequenceInput } from './sequence-values.js';

export const concatFromSequenceKernel: ValueKernel<'concat_from_sequence'> = (layer, inputs, ctx) => {
  const seq = sequenceInput(layer, inputs, 0, 'input_sequence');
  if (seq.length === 0) throw layerError(layer, 'cannot concatenate an empty sequence', 'the result dtype is known but its shape is not');
  const first = seq.elements[0]!;
  const { newAxis } = layer.params;
  // A new axis may go after the last one, so the valid range grows by one.
  const axis = axisIn(layer, layer.params.axis, first.rank + (newAxis ? 1 : 0));
  const parts = newAxis ? seq.elements.map((t) => t.reshape([...t.shape.slice(0, axis), 1, ...t.shape.slice(axis)])) : [...seq.elements];
  const concat: Layer<'concatenation'> = { name: layer.name, kind: 'concatenation', inputs: [], outputs: [], params: { axis } };
  return concatenationKernel(concat, parts, ctx);
};
