/**
 * kiln::SparseSegmentReduce v1 — TF SparseSegmentSum / SparseSegmentMean. inputs [data
 * [D0, …], indices [K], segmentIds [K]]; output [max(segmentIds) + 1, …]: row s is the sum
 * (or mean) of data rows indices[k] over the k with segmentIds[k] = s; empty segments are 0.
 * Field mode 'sum' | 'mean'.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints, numbers } from '../kernels/util/values.js';
import { pluginError, pluginInput, stringField } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

export const sparseSegmentReducePlugin: Kernel<'plugin'> = (layer, inputs) => {
  const data = pluginInput(layer, inputs, 0, 'data');
  const indices = ints(pluginInput(layer, inputs, 1, 'indices'));
  const segments = ints(pluginInput(layer, inputs, 2, 'segment_ids'));
  const mean = stringField(layer, 'mode', 'sum') === 'mean';
  if (data.rank < 1 || indices.length !== segments.length) {
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `indices (${indices.length}) and segment_ids (${segments.length}) must match`);
  }
  const rows = data.shape[0]!;
  const inner = rows === 0 ? 0 : data.size / rows;
  const count = segments.length === 0 ? 0 : Math.max(...segments) + 1;
  checkPluginOutput(layer, data.dtype, [count, ...data.shape.slice(1)], 'segments');
  const d = numbers(data);
  const out = new Float64Array(count * inner);
  const members = new Float64Array(count);
  indices.forEach((row, k) => {
    const seg = segments[k]!;
    if (row < 0 || row >= rows) throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `indices[${k}] = ${row} is outside [0, ${rows})`);
    if (seg < 0) throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `segment_ids[${k}] = ${seg} is negative`);
    members[seg]!++;
    for (let i = 0; i < inner; i++) out[seg * inner + i]! += d[row * inner + i]!;
  });
  if (mean) for (let s = 0; s < count; s++) if (members[s]! > 0) for (let i = 0; i < inner; i++) out[s * inner + i]! /= members[s]!;
  return [fromNumbers(data.dtype, [count, ...data.shape.slice(1)], out)];
};
