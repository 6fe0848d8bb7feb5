/** Cast with ONNX semantics (float→int truncates, saturate applies to float8 targets). */
import { castTensor, ErrorCode, KilnError } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';

export const castKernel: Kernel<'cast'> = (layer, inputs) => {
  const x = inputs[0];
  if (!x) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'cast needs an input');
  return [castTensor(x, layer.params.to, { saturate: layer.params.saturate ?? true })];
};
