/**
 * kiln::BroadcastArgs v1 — TF BroadcastArgs. inputs [s0, s1] (1-D shapes); output: the
 * numpy broadcast of the two shapes, in s0's dtype. Incompatible dims are an error.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints } from '../kernels/util/values.js';
import { pluginError, pluginInput } from './plugin-fields.js';

export const broadcastArgsPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const s0 = pluginInput(layer, inputs, 0, 's0');
  const a = ints(s0);
  const b = ints(pluginInput(layer, inputs, 1, 's1'));
  const rank = Math.max(a.length, b.length);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw pluginError(
        layer,
        ErrorCode.SHAPE_MISMATCH,
        `shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`,
        'each pair of trailing dims must match or be 1',
      );
    }
    shape.push(x === 1 ? y : x);
  }
  return [fromNumbers(s0.dtype, [rank], shape)];
};
