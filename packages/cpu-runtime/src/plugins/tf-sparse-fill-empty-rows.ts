/**
 * kiln::SparseFillEmptyRows v1 — TF SparseFillEmptyRows. inputs [indices [N, R] int64,
 * values [N], denseShape [R], defaultValue]; outputs [indices [M, R] int64, values [M],
 * emptyRowIndicator [D0] bool, reverseIndexMap [N] int64]. Entries are grouped by row in
 * row order (input order within a row); each empty row gets one entry at column 0 holding
 * the default, and reverseIndexMap tells where each input entry went.
 */
import { ErrorCode, type ScalarValue, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints } from '../kernels/util/values.js';
import { pluginError, pluginInput } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

function elements(t: Tensor): ScalarValue[] {
  const d = t.data;
  if (Array.isArray(d)) return [...d];
  return Array.from(t.toFloat64());
}

export const sparseFillEmptyRowsPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const indicesT = pluginInput(layer, inputs, 0, 'indices');
  const valuesT = pluginInput(layer, inputs, 1, 'values');
  const shape = ints(pluginInput(layer, inputs, 2, 'dense_shape'));
  const fallback = elements(pluginInput(layer, inputs, 3, 'default_value'))[0]!;
  const rank = shape.length;
  const n = valuesT.size;
  if (rank < 1 || indicesT.rank !== 2 || indicesT.shape[0] !== n || indicesT.shape[1] !== rank) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `indices [${indicesT.shape.join(',')}] must be [${n}, ${rank}] for ${n} values and a rank-${rank} dense shape`,
    );
  }
  const rows = shape[0]!;
  checkPluginOutput(layer, 'bool', [rows], 'empty_row_indicator');
  const idx = ints(indicesT);
  const values = elements(valuesT);
  const perRow = new Array<number>(rows).fill(0);
  for (let i = 0; i < n; i++) {
    const r = idx[i * rank]!;
    if (!Number.isInteger(r) || r < 0 || r >= rows) {
      throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `indices[${i}] has row ${r}, outside [0, ${rows})`);
    }
    perRow[r]!++;
  }
  const start = new Array<number>(rows + 1).fill(0);
  for (let r = 0; r < rows; r++) start[r + 1] = start[r]! + Math.max(perRow[r]!, 1);
  const m = start[rows]!;
  checkPluginOutput(layer, 'int64', [m, rank], 'output indices');
  const outIdx = new Float64Array(m * rank);
  const outValues = new Array<ScalarValue>(m);
  const filled = new Array<number>(rows).fill(0);
  const reverse = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = idx[i * rank]!;
    const o = start[r]! + filled[r]!++;
    reverse[i] = o;
    for (let d = 0; d < rank; d++) outIdx[o * rank + d] = idx[i * rank + d]!;
    outValues[o] = values[i]!;
  }
  for (let r = 0; r < rows; r++) {
    if (perRow[r]! > 0) continue;
    outIdx[start[r]! * rank] = r;
    outValues[start[r]!] = fallback;
  }
  return [
    fromNumbers('int64', [m, rank], outIdx),
    Tensor.fromValues(valuesT.dtype, [m], outValues),
    Tensor.fromValues(
      'bool',
      [rows],
      perRow.map((c) => c === 0),
    ),
    fromNumbers('int64', [n], reverse),
  ];
};
