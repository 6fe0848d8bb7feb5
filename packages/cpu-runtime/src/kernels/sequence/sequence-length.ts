/** sequence_length: the number of elements as an int64 scalar (ONNX SequenceLength). */
import { Tensor } from '@kiln-inference/core';
import type { ValueKernel } from '../../kernel.js';
import { sequenceInput } from './sequence-values.js';

export const sequenceLengthKernel: ValueKernel<'sequence_length'> = (layer, inputs) => {
  const seq = sequenceInput(layer, inputs, 0, 'input_sequence');
  return [Tensor.scalar('int64', BigInt(seq.length))];
};
