/**
 * kiln::SearchSorted v1 — TF LowerBound / UpperBound. inputs [sorted [B, N], values [B, M]];
 * output [B, M] of positions: for each value, the first index of its row of `sorted` whose
 * element is ≥ (side 'left') or > (side 'right') the value. Field outType: the index dtype.
 */
import { type DType, ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from '../kernels/util/values.js';
import { pluginError, pluginInput, stringField } from './plugin-fields.js';

export const searchSortedPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const sorted = pluginInput(layer, inputs, 0, 'sorted');
  const values = pluginInput(layer, inputs, 1, 'values');
  const side = stringField(layer, 'side', 'left');
  const outType = stringField(layer, 'outType', 'int32') as DType;
  if (sorted.rank !== 2 || values.rank !== 2 || sorted.shape[0] !== values.shape[0]) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `sorted [${sorted.shape.join(',')}] and values [${values.shape.join(',')}] must both be 2-D with one batch size`,
      'pass sorted_inputs [B, N] and values [B, M]',
    );
  }
  const [batch, n] = sorted.shape as [number, number];
  const m = values.shape[1]!;
  const s = numbers(sorted);
  const v = numbers(values);
  const outValues = new Float64Array(batch * m);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < m; j++) {
      const x = v[b * m + j]!;
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const e = s[b * n + mid]!;
        if (side === 'left' ? e < x : e <= x) lo = mid + 1;
        else hi = mid;
      }
      outValues[b * m + j] = lo;
    }
  }
  return [fromNumbers(outType, [batch, m], outValues)];
};
