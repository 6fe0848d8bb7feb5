/**
 * kiln::RaggedRange v1 — TF RaggedRange. inputs [starts, limits, deltas] (scalars or vectors
 * of one length, broadcast); outputs [splits [n + 1], values]: row i is range(starts[i],
 * limits[i], deltas[i]) and splits are the running row sizes. Fields: splitsType.
 */
import { type DType, ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from '../kernels/util/values.js';
import { pluginError, pluginInput, stringField } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

export const raggedRangePlugin: Kernel<'plugin'> = (layer, inputs) => {
  const parts = [0, 1, 2].map((i) => pluginInput(layer, inputs, i, ['starts', 'limits', 'deltas'][i]!));
  const [starts, limits, deltas] = parts.map((t) => numbers(t)) as [Float64Array, Float64Array, Float64Array];
  const splitsType = stringField(layer, 'splitsType', 'int64') as DType;
  if (parts.some((t) => t.rank > 1))
    throw pluginError(layer, ErrorCode.INVALID_SHAPE, 'starts, limits and deltas must be scalars or vectors');
  const lengths = parts.filter((t) => t.rank === 1).map((t) => t.size);
  if (lengths.some((l) => l !== lengths[0])) {
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `starts, limits and deltas have different lengths (${lengths.join(', ')})`);
  }
  const rows = lengths[0] ?? 1;
  const at = (v: Float64Array, i: number): number => (v.length === 1 && rows !== 1 ? v[0]! : v[i]!);
  const integer = parts[0]!.dtype.includes('int');
  const splits = [0];
  for (let r = 0; r < rows; r++) {
    const [s, l, d] = [at(starts, r), at(limits, r), at(deltas, r)];
    if (d === 0) throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `deltas[${r}] is 0`, 'a range needs a non-zero step');
    const empty = (d > 0 && l < s) || (d < 0 && l > s);
    // Integer ranges divide exactly as TF does; float ones take the ceiling of the quotient.
    const size = empty ? 0 : integer ? Math.trunc((Math.abs(l - s) + Math.abs(d) - 1) / Math.abs(d)) : Math.ceil(Math.abs((l - s) / d));
    splits.push(splits[splits.length - 1]! + size);
  }
  checkPluginOutput(layer, parts[0]!.dtype, [splits[rows]!], 'range values');
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    const [s, d] = [at(starts, r), at(deltas, r)];
    for (let k = 0; k < splits[r + 1]! - splits[r]!; k++) values.push(s + k * d);
  }
  return [fromNumbers(splitsType, [rows + 1], splits), fromNumbers(parts[0]!.dtype, [values.length], values)];
};
