/** ONNX TopK: the k largest (or smallest) elements along an axis, with int64 indices. */
import { ErrorCode, KilnError, normalizeAxis, Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { bigints, gatherElements, ints, needsBigInt, numbers } from './util/values.js';

export const topKKernel: Kernel<'top_k'> = (layer, inputs) => {
  const [x, kTensor] = inputs;
  if (!x || !kTensor) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'top_k needs inputs [x, k]');
  if (x.dtype === 'string') throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, 'top_k does not accept string tensors');
  if (kTensor.size !== 1) throw new KilnError(ErrorCode.INVALID_SHAPE, `top_k k must hold one value, got ${kTensor.size}`);
  const axis = normalizeAxis(layer.params.axis, x.rank, { layer: { name: layer.name, kind: layer.kind } });
  const length = x.shape[axis]!;
  const k = ints(kTensor)[0]!;
  if (!Number.isInteger(k) || k < 0 || k > length) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `top_k k=${k} is outside [0, ${length}] for axis ${axis}`);
  }
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const values: ArrayLike<number | bigint> = needsBigInt(x.dtype) ? bigints(x) : numbers(x);
  const sign = layer.params.largest ? -1 : 1;
  const order = (a: number | bigint, b: number | bigint): number => (a < b ? -sign : a > b ? sign : 0);
  const outShape = x.shape.map((d, i) => (i === axis ? k : d));
  const indices = new BigInt64Array(outer * k * inner);
  const source = new Int32Array(outer * k * inner);
  const candidates = Array.from({ length }, (_, j) => j);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number): number => (o * length + j) * inner + i;
      // Stable sort: equal values keep the lower index first, as ONNX requires.
      const sorted = [...candidates].sort((a, b) => order(values[at(a)]!, values[at(b)]!) || a - b);
      for (let r = 0; r < k; r++) {
        const dst = (o * k + r) * inner + i;
        indices[dst] = BigInt(sorted[r]!);
        source[dst] = at(sorted[r]!);
      }
    }
  }
  const valuesOut = gatherElements(x, outShape, (n) => source[n]!);
  return [valuesOut, new Tensor('int64', outShape, indices)];
};
