/**
 * kiln::HashTableFind v1 — TF LookupTableFind(V2) on a table whose contents were known at
 * conversion time. inputs [query, keys [K], values [K], default (scalar)]; output: query's
 * shape, each element replaced by the value of its key, or the default when absent. Keys
 * compare by value (strings, or numbers of any dtype); a later duplicate key wins.
 */
import { ErrorCode, type ScalarValue, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { pluginError, pluginInput } from './plugin-fields.js';

function elements(t: Tensor): ScalarValue[] {
  const d = t.data;
  if (Array.isArray(d)) return [...d];
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Array.from(d, (v) => Number(v));
  return Array.from(t.toFloat64());
}

export const hashTableFindPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const query = pluginInput(layer, inputs, 0, 'keys to look up');
  const keys = pluginInput(layer, inputs, 1, 'table keys');
  const values = pluginInput(layer, inputs, 2, 'table values');
  const fallback = pluginInput(layer, inputs, 3, 'default_value');
  if (keys.size !== values.size || fallback.size !== 1) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `table keys (${keys.size}) and values (${values.size}) must pair up and the default must be one value (${fallback.size})`,
    );
  }
  if ((query.dtype === 'string') !== (keys.dtype === 'string')) {
    throw pluginError(layer, ErrorCode.INVALID_DTYPE, `looking up ${query.dtype} keys in a table of ${keys.dtype} keys`);
  }
  const table = new Map<ScalarValue, ScalarValue>();
  const vs = elements(values);
  elements(keys).forEach((k, i) => {
    table.set(k, vs[i]!);
  });
  const other = elements(fallback)[0]!;
  const found = elements(query).map((k) => (table.has(k) ? table.get(k)! : other));
  return [Tensor.fromValues(values.dtype, query.shape, found)];
};
