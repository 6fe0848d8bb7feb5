/** Shared checks for the sequence kernels: typed access to inputs and ONNX position rules. */
import { type Layer, Tensor } from '@kiln-inference/core';
import { describeValue, type RuntimeValue, TensorSequence } from '../../runtime-value.js';
import { layerError } from '../util/data-movement.js';

export function sequenceInput(layer: Layer, inputs: readonly (RuntimeValue | undefined)[], i: number, what: string): TensorSequence {
  const v = inputs[i];
  if (v instanceof TensorSequence) return v;
  if (!v) throw layerError(layer, `input ${i} (${what}) is missing`, 'the converter must wire this input');
  throw layerError(layer, `input ${i} (${what}) must be a tensor sequence but is ${describeValue(v)}`);
}

export function tensorInput(layer: Layer, inputs: readonly (RuntimeValue | undefined)[], i: number, what: string): Tensor {
  const v = inputs[i];
  if (v instanceof Tensor) return v;
  if (!v) throw layerError(layer, `input ${i} (${what}) is missing`, 'the converter must wire this input');
  throw layerError(layer, `input ${i} (${what}) must be a tensor but is ${describeValue(v)}`);
}

/**
 * A position tensor (int32/int64 scalar, or one element) normalised against a sequence of
 * `length`: negative counts from the end; `[-length, length - 1 + extra]` is valid (extra = 1
 * for insertion, which may append).
 */
export function positionIn(layer: Layer, position: Tensor, length: number, extra = 0): number {
  if (position.dtype !== 'int32' && position.dtype !== 'int64') {
    throw layerError(layer, `position must be int32 or int64, got ${position.dtype}`);
  }
  if (position.size !== 1) throw layerError(layer, `position must be a scalar, got shape [${position.shape.join(',')}]`);
  const p = position.getNumber(0);
  const normalised = p < 0 ? p + length : p;
  if (normalised < 0 || normalised > length - 1 + extra) {
    throw layerError(
      layer,
      `position ${p} is out of range for a sequence of length ${length}`,
      `use a position in [${-length}, ${length - 1 + extra}]`,
    );
  }
  return normalised;
}
