/**
 * kiln::TensorScatter v1 — ONNX TensorScatter (KV-cache update). inputs [pastCache, update,
 * writeIndices?]; fields axis (the sequence axis, ≥ 1 once normalised) and circular. The output
 * is pastCache with, for every batch entry b, update's slices along `axis` written starting at
 * writeIndices[b] (0 when absent), wrapping modulo the cache length when circular.
 */
import { ErrorCode, type TensorData } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { ints } from '../kernels/util/values.js';
import { boolField, numberField, pluginError, pluginInput } from './plugin-fields.js';

export const tensorScatterPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const past = pluginInput(layer, inputs, 0, 'past_cache');
  const update = pluginInput(layer, inputs, 1, 'update');
  const rank = past.rank;
  const rawAxis = numberField(layer, 'axis', -2);
  const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
  if (axis < 1 || axis >= rank)
    throw pluginError(
      layer,
      ErrorCode.INVALID_ATTRIBUTE,
      `axis ${rawAxis} is out of range for rank ${rank}`,
      'the sequence axis cannot be the batch axis (0)',
    );
  const sameOffAxis = update.rank === rank && update.shape.every((d, i) => i === axis || d === past.shape[i]);
  const maxLen = past.shape[axis]!;
  const seqLen = update.shape[axis] ?? 0;
  if (!sameOffAxis || seqLen > maxLen || update.dtype !== past.dtype) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `update ${update.dtype}[${update.shape.join(',')}] does not fit past_cache ${past.dtype}[${past.shape.join(',')}] along axis ${axis}`,
    );
  }
  const batch = past.shape[0]!;
  const starts = inputs[2] ? ints(inputs[2]) : new Array<number>(batch).fill(0);
  if (starts.length !== batch)
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `write_indices has ${starts.length} entries for batch ${batch}`);
  const circular = boolField(layer, 'circular', false);
  const inner = past.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = past.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const perBatch = outer / Math.max(batch, 1);
  const out = past.clone();
  const dst = out.data as unknown[];
  const src = update.data as TensorData as unknown[];
  for (let o = 0; o < outer; o++) {
    const start = starts[Math.floor(o / perBatch)]!;
    for (let s = 0; s < seqLen; s++) {
      let pos = start + s;
      if (circular) pos = ((pos % maxLen) + maxLen) % maxLen;
      else if (pos < 0 || pos >= maxLen)
        throw pluginError(
          layer,
          ErrorCode.RUNTIME_ERROR,
          `write index ${pos} is outside the cache length ${maxLen}`,
          "use mode 'circular' or smaller write_indices",
        );
      const from = (o * seqLen + s) * inner;
      const to = (o * maxLen + pos) * inner;
      for (let i = 0; i < inner; i++) dst[to + i] = src[from + i];
    }
  }
  return [out];
};
