/**
 * Softmax, log-softmax and hardmax along one axis, or (opset < 13, coerce2d) over the flattened
 * trailing block [axis, rank). Computed in float64, max-subtracted for stability.
 */
import { dtypeInfo, ErrorCode, KilnError, normalizeAxis } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from './util/values.js';

type RowFn = (values: Float64Array, out: Float64Array, offset: number, length: number, stride: number) => void;

const softmaxRow: RowFn = (v, out, offset, length, stride) => {
  let max = -Infinity;
  for (let j = 0; j < length; j++) max = Math.max(max, v[offset + j * stride]!);
  let sum = 0;
  for (let j = 0; j < length; j++) sum += Math.exp(v[offset + j * stride]! - max);
  for (let j = 0; j < length; j++) out[offset + j * stride] = Math.exp(v[offset + j * stride]! - max) / sum;
};

const logSoftmaxRow: RowFn = (v, out, offset, length, stride) => {
  let max = -Infinity;
  for (let j = 0; j < length; j++) max = Math.max(max, v[offset + j * stride]!);
  let sum = 0;
  for (let j = 0; j < length; j++) sum += Math.exp(v[offset + j * stride]! - max);
  const logSum = Math.log(sum);
  for (let j = 0; j < length; j++) out[offset + j * stride] = v[offset + j * stride]! - max - logSum;
};

const hardmaxRow: RowFn = (v, out, offset, length, stride) => {
  let best = 0;
  for (let j = 1; j < length; j++) if (v[offset + j * stride]! > v[offset + best * stride]!) best = j;
  for (let j = 0; j < length; j++) out[offset + j * stride] = j === best ? 1 : 0;
};

const ROWS = { softmax: softmaxRow, log_softmax: logSoftmaxRow, hardmax: hardmaxRow };

export const softmaxKernel: Kernel<'softmax'> = (layer, inputs) => {
  const x = inputs[0];
  const { mode, coerce2d } = layer.params;
  if (!x) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${mode} needs an input`);
  if (!dtypeInfo(x.dtype).isFloat) throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `${mode} needs a float input, got ${x.dtype}`);
  const out = new Float64Array(x.size);
  if (x.rank === 0) {
    // A scalar is a row of one element.
    ROWS[mode](numbers(x), out, 0, 1, 1);
    return [fromNumbers(x.dtype, x.shape, out)];
  }
  const axis = normalizeAxis(layer.params.axis, x.rank, { layer: { name: layer.name, kind: layer.kind } });
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  // coerce2d reduces over everything from `axis` on; otherwise over `axis` alone.
  const length = coerce2d ? x.shape.slice(axis).reduce((a, b) => a * b, 1) : x.shape[axis]!;
  const inner = coerce2d ? 1 : x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const values = numbers(x);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) ROWS[mode](values, out, o * length * inner + i, length, inner);
  }
  return [fromNumbers(x.dtype, x.shape, out)];
};
