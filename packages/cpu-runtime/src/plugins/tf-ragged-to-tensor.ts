/**
 * kiln::RaggedTensorToTensor v1 — TF RaggedTensorToTensor. inputs [shape, values [V, …],
 * defaultValue, ...partitions]; field partitionTypes: 'ROW_SPLITS' for every ragged level,
 * or 'FIRST_DIM_SIZE' then 'VALUE_ROWIDS' per level. Output [rows, widths…, inner…]: each
 * value lands at its position in its rows, positions past `shape` are dropped, the rest is
 * the default (broadcast over the inner dims). Dims of `shape` that are -1 (or a scalar -1
 * shape) are the largest row lengths.
 */
import { ErrorCode, type ScalarValue, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { ints } from '../kernels/util/values.js';
import { pluginError, pluginInput } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

function elements(t: Tensor): ScalarValue[] {
  const d = t.data;
  if (Array.isArray(d)) return [...d];
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Array.from(d);
  return Array.from(t.toFloat64());
}

export const raggedTensorToTensorPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const fail = (message: string): never => {
    throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, message, 'pass row partitions that describe the values');
  };
  const shapeT = pluginInput(layer, inputs, 0, 'shape');
  const values = pluginInput(layer, inputs, 1, 'values');
  const fallback = pluginInput(layer, inputs, 2, 'default_value');
  const types = layer.params.fields.partitionTypes;
  if (!Array.isArray(types) || types.some((t) => typeof t !== 'string')) fail('field partitionTypes must list the partition types');
  const kinds = types as string[];
  const parts = kinds.map((_, i) => ints(pluginInput(layer, inputs, 3 + i, `row_partition_tensors[${i}]`)));
  // Every ragged level as row splits.
  const splits: number[][] = [];
  if (kinds[0] === 'FIRST_DIM_SIZE') {
    let rows = parts[0]![0] ?? fail('FIRST_DIM_SIZE is empty');
    for (let k = 1; k < kinds.length; k++) {
      if (kinds[k] !== 'VALUE_ROWIDS') fail(`partition ${k} is ${kinds[k]}; after FIRST_DIM_SIZE every level is VALUE_ROWIDS`);
      const ids = parts[k]!;
      const s = new Array<number>(rows + 1).fill(0);
      ids.forEach((r, j) => {
        if (!Number.isInteger(r) || r < 0 || r >= rows || (j > 0 && r < ids[j - 1]!))
          fail(`value_rowids must be sorted row ids in [0, ${rows})`);
        s[r + 1]!++;
      });
      for (let i = 0; i < rows; i++) s[i + 1]! += s[i]!;
      splits.push(s);
      rows = ids.length;
    }
  } else {
    if (kinds.some((t) => t !== 'ROW_SPLITS')) fail(`partition types [${kinds.join(',')}] mix ROW_SPLITS with others`);
    splits.push(...parts);
  }
  if (splits.length === 0) fail('no ragged partitions given');
  splits.forEach((s, k) => {
    const end = k + 1 < splits.length ? splits[k + 1]!.length - 1 : values.shape[0];
    if (s.length < 1 || s[0] !== 0 || s[s.length - 1] !== end || s.some((v, i) => i > 0 && v < s[i - 1]!)) {
      fail(`row splits of level ${k} must rise from 0 to ${end}`);
    }
  });
  const inner = values.shape.slice(1);
  const innerSize = inner.reduce((a, b) => a * b, 1);
  const widths = splits.map((s) => s.reduce((m, v, i) => (i > 0 ? Math.max(m, v - s[i - 1]!) : m), 0));
  const natural = [splits[0]!.length - 1, ...widths, ...inner];
  const requested = shapeT.rank === 0 ? [] : ints(shapeT);
  if (requested.length > 0 && requested.length !== natural.length)
    fail(`shape [${requested.join(',')}] should have rank ${natural.length}`);
  const outShape = natural.map((d, i) => (requested.length === 0 || requested[i]! < 0 ? d : requested[i]!));
  inner.forEach((d, i) => {
    if (outShape[1 + widths.length + i] !== d) fail(`shape [${outShape.join(',')}] must keep the values' inner dims [${inner.join(',')}]`);
  });
  checkPluginOutput(layer, values.dtype, outShape, 'dense output');
  const total = outShape.reduce((a, b) => a * b, 1);
  const fill = elements(fallback);
  if (fill.length !== 1 && fill.length !== innerSize) fail(`default_value must be a scalar or one value per inner element (${innerSize})`);
  const out = Array.from({ length: total }, (_, i) => fill[fill.length === 1 ? 0 : i % innerSize]!);
  // Flat output offsets (in units of rows of the next level), level by level; -1 marks dropped.
  let offsets = Array.from({ length: splits[0]!.length - 1 }, (_, i) => (i < outShape[0]! ? i : -1));
  splits.forEach((s, k) => {
    const width = outShape[k + 1]!;
    const next = new Array<number>(s[s.length - 1]!).fill(-1);
    offsets.forEach((base, p) => {
      for (let j = s[p]!; j < s[p + 1]!; j++) if (base >= 0 && j - s[p]! < width) next[j] = base * width + (j - s[p]!);
    });
    offsets = next;
  });
  const src = elements(values);
  offsets.forEach((o, v) => {
    if (o < 0) return;
    for (let e = 0; e < innerSize; e++) out[o * innerSize + e] = src[v * innerSize + e]!;
  });
  return [Tensor.fromValues(values.dtype, outShape, out)];
};
