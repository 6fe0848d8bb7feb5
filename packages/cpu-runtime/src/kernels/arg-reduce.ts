/** ArgMax / ArgMin along one axis; int64 indices; ties pick the first (or last) occurrence. */
import { ErrorCode, KilnError, normalizeAxis, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { bigints, needsBigInt, numbers } from './util/values.js';

export const argReduceKernel: Kernel<'arg_reduce'> = (layer, inputs) => {
  const x = inputs[0];
  const { op, keepDims, selectLastIndex } = layer.params;
  if (!x) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `arg_reduce '${op}' needs an input`);
  if (x.dtype === 'string') throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, 'arg_reduce does not accept string tensors');
  const axis = normalizeAxis(layer.params.axis, x.rank, { layer: { name: layer.name, kind: layer.kind } });
  const length = x.shape[axis]!;
  if (length === 0) throw new KilnError(ErrorCode.INVALID_SHAPE, `arg_reduce over an empty axis ${axis}`);
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const values: ArrayLike<number | bigint> = needsBigInt(x.dtype) ? bigints(x) : numbers(x);
  const better = (v: number | bigint, best: number | bigint): boolean => {
    if (selectLastIndex) return op === 'max' ? v >= best : v <= best;
    return op === 'max' ? v > best : v < best;
  };
  const out = new BigInt64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let bestIndex = 0;
      let best = values[o * length * inner + i]!;
      for (let j = 1; j < length; j++) {
        const v = values[(o * length + j) * inner + i]!;
        if (better(v, best)) {
          best = v;
          bestIndex = j;
        }
      }
      out[o * inner + i] = BigInt(bestIndex);
    }
  }
  const shape = keepDims ? x.shape.map((d, k) => (k === axis ? 1 : d)) : x.shape.filter((_, k) => k !== axis);
  return [new Tensor('int64', shape, out)];
};
