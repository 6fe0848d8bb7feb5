/**
 * kiln::SparseReshape v1 — TF SparseReshape. inputs [indices [N, R], shape [R], newShape
 * [R'] (one −1 inferred)]; outputs [newIndices [N, R'] int64, outputShape [R'] int64]: each
 * entry's row-major position kept, re-expressed in the new shape.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints } from '../kernels/util/values.js';
import { pluginError, pluginInput } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

export const sparseReshapePlugin: Kernel<'plugin'> = (layer, inputs) => {
  const indicesT = pluginInput(layer, inputs, 0, 'input_indices');
  const shape = ints(pluginInput(layer, inputs, 1, 'input_shape'));
  const target = ints(pluginInput(layer, inputs, 2, 'new_shape'));
  const rank = shape.length;
  const n = indicesT.shape[0] ?? 0;
  if (indicesT.rank !== 2 || indicesT.shape[1] !== rank) {
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `input_indices [${indicesT.shape.join(',')}] must be [N, ${rank}]`);
  }
  const total = shape.reduce((a, b) => a * b, 1);
  const unknown = target.filter((d) => d === -1).length;
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  if (unknown > 1 || target.some((d) => d < -1)) {
    throw pluginError(layer, ErrorCode.INVALID_SHAPE, `new_shape [${target.join(',')}] may hold one -1 and otherwise sizes ≥ 0`);
  }
  const out = target.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
  if (out.reduce((a, b) => a * b, 1) !== total || out.some((d) => !Number.isInteger(d))) {
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `cannot reshape [${shape.join(',')}] into [${target.join(',')}]`);
  }
  checkPluginOutput(layer, 'int64', [n, out.length], 'output indices');
  const idx = ints(indicesT);
  const result = new Float64Array(n * out.length);
  for (let e = 0; e < n; e++) {
    let flat = 0;
    for (let d = 0; d < rank; d++) flat = flat * shape[d]! + idx[e * rank + d]!;
    for (let d = out.length - 1; d >= 0; d--) {
      result[e * out.length + d] = out[d]! === 0 ? 0 : flat % out[d]!;
      flat = out[d]! === 0 ? 0 : Math.floor(flat / out[d]!);
    }
  }
  return [fromNumbers('int64', [n, out.length], result), fromNumbers('int64', [out.length], out)];
};
