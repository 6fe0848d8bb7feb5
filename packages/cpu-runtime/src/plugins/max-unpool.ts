/**
 * kiln::MaxUnpool v1 — ONNX MaxUnpool. inputs [x, indices (flat, as MaxPool emits), outputShape?];
 * fields kernelShape, strides, padsBegin, padsEnd. Every x value lands at its index in a zeroed
 * output of shape outputShape, or N, C, (in - 1)·stride + kernel - pads per spatial dim.
 */
import { ErrorCode, stridesOf } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { unravelIndex } from '../kernels/util/broadcast.js';
import { fromNumbers, ints, numbers } from '../kernels/util/values.js';
import { numbersField, pluginError, pluginInput } from './plugin-fields.js';

export const maxUnpoolPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x = pluginInput(layer, inputs, 0, 'X');
  const indices = pluginInput(layer, inputs, 1, 'I');
  if (indices.size !== x.size)
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `indices [${indices.shape.join(',')}] must match X [${x.shape.join(',')}]`);
  const spatial = x.rank - 2;
  const kernel = numbersField(layer, 'kernelShape');
  const strides = numbersField(layer, 'strides', new Array<number>(spatial).fill(1));
  const padsBegin = numbersField(layer, 'padsBegin', new Array<number>(spatial).fill(0));
  const padsEnd = numbersField(layer, 'padsEnd', new Array<number>(spatial).fill(0));
  if (kernel.length !== spatial) throw pluginError(layer, ErrorCode.INVALID_ATTRIBUTE, `kernel_shape needs ${spatial} entries`);
  // Indices address the unpooled shape implied by kernel/strides/pads; an explicit output shape
  // may be larger, and then each element keeps its coordinates in it.
  const implied = [
    x.shape[0]!,
    x.shape[1]!,
    ...x.shape.slice(2).map((d, i) => (d - 1) * (strides[i] ?? 1) + kernel[i]! - (padsBegin[i] ?? 0) - (padsEnd[i] ?? 0)),
  ];
  const shape = inputs[2] ? ints(inputs[2]) : implied;
  const size = shape.reduce((a, b) => a * b, 1);
  if (shape.length !== x.rank || shape.some((d, i) => !Number.isInteger(d) || d < implied[i]!)) {
    throw pluginError(layer, ErrorCode.INVALID_SHAPE, `output shape [${shape.join(',')}] must be at least [${implied.join(',')}]`);
  }
  const impliedSize = implied.reduce((a, b) => a * b, 1);
  const outStrides = stridesOf(shape);
  const out = new Float64Array(size);
  const xs = numbers(x);
  const is = ints(indices);
  for (let i = 0; i < xs.length; i++) {
    const at = is[i]!;
    if (!(at >= 0 && at < impliedSize))
      throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `index ${at} is outside the unpooled tensor (${impliedSize} elements)`);
    const coords = unravelIndex(at, implied);
    out[coords.reduce((acc, c, d) => acc + c * outStrides[d]!, 0)] = xs[i]!;
  }
  return [fromNumbers(x.dtype, shape, out)];
};
