/**
 * kiln::ListDiff v1 — TF ListDiff (tf.setdiff1d). inputs [x [N], y [M]]; outputs [out, idx]:
 * the elements of x that are not in y, in x's order (duplicates kept), and their positions
 * in x. Field outIdx: the dtype of idx.
 */
import { type DType, ErrorCode, type ScalarValue, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers } from '../kernels/util/values.js';
import { pluginError, pluginInput, stringField } from './plugin-fields.js';

function elements(t: Tensor): unknown[] {
  const d = t.data;
  return Array.isArray(d) ? [...d] : Array.from(d as ArrayLike<unknown>);
}

export const listDiffPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x = pluginInput(layer, inputs, 0, 'x');
  const y = pluginInput(layer, inputs, 1, 'y');
  if (x.rank !== 1 || y.rank !== 1) {
    throw pluginError(layer, ErrorCode.INVALID_SHAPE, `x and y must be 1-D, got ranks ${x.rank} and ${y.rank}`);
  }
  const outIdx = stringField(layer, 'outIdx', 'int32') as DType;
  const exclude = new Set(elements(y));
  const xs = elements(x);
  const keep: number[] = [];
  xs.forEach((v, i) => {
    if (!exclude.has(v)) keep.push(i);
  });
  const kept = Tensor.fromValues(
    x.dtype,
    [keep.length],
    keep.map((i) => xs[i] as ScalarValue),
  );
  return [kept, fromNumbers(outIdx, [keep.length], keep)];
};
