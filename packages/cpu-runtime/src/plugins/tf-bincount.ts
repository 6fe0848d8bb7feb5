/**
 * kiln::Bincount v1 — TF Bincount / DenseBincount. inputs [arr (1-D or 2-D ints), size
 * (scalar), weights? (arr's shape, or empty for plain counts)]; output [size] or [B, size]:
 * per row, the sum of the weights (or the count) of each value in [0, size). Larger values
 * are dropped as TF does; negative ones are an error. Fields: binaryOutput (1 where a value
 * occurs), outType.
 */
import { type DType, ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from '../kernels/util/values.js';
import { boolField, pluginError, pluginInput, scalarInt, stringField } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

export const bincountPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const arr = pluginInput(layer, inputs, 0, 'arr');
  const size = scalarInt(layer, pluginInput(layer, inputs, 1, 'size'), 'size');
  const weights = inputs[2] && inputs[2].size > 0 ? inputs[2] : undefined;
  const binary = boolField(layer, 'binaryOutput', false);
  const outType = stringField(layer, 'outType', 'int32') as DType;
  if (size < 0) throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `size must be non-negative, got ${size}`);
  if (arr.rank > 2) throw pluginError(layer, ErrorCode.INVALID_SHAPE, `arr must be 1-D or 2-D, got rank ${arr.rank}`);
  if (weights && weights.size !== arr.size) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `weights [${weights.shape.join(',')}] must have arr's shape [${arr.shape.join(',')}]`,
      'pass weights shaped like arr, or an empty tensor for counts',
    );
  }
  const rows = arr.rank === 2 ? arr.shape[0]! : 1;
  const perRow = rows === 0 ? 0 : arr.size / rows;
  checkPluginOutput(layer, outType, arr.rank === 2 ? [rows, size] : [size], 'bincount output');
  const a = numbers(arr);
  const w = weights ? numbers(weights) : undefined;
  const result = new Float64Array(rows * size);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < perRow; i++) {
      const v = a[r * perRow + i]!;
      if (v < 0)
        throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `arr holds a negative value (${v})`, 'bincount counts non-negative integers');
      if (v >= size) continue;
      const at = r * size + v;
      result[at] = binary ? 1 : result[at]! + (w ? w[r * perRow + i]! : 1);
    }
  }
  return [fromNumbers(outType, arr.rank === 2 ? [rows, size] : [size], result)];
};
