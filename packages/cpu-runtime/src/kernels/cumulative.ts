/** ONNX CumSum / CumProd along one axis, optionally exclusive and/or reversed. */
import { ErrorCode, KilnError, normalizeAxis, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { bigints, fromBigInts, fromNumbers, ints, needsBigInt, numbers } from './util/values.js';

interface Ops<T> {
  identity: T;
  combine(a: T, b: T): T;
}

/** Scans `values` along an axis given by (outer, length, inner) strides. */
function scan<T>(values: ArrayLike<T>, out: T[], dims: [number, number, number], ops: Ops<T>, exclusive: boolean, reverse: boolean): void {
  const [outer, length, inner] = dims;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = ops.identity;
      for (let s = 0; s < length; s++) {
        const j = reverse ? length - 1 - s : s;
        const idx = (o * length + j) * inner + i;
        if (exclusive) {
          out[idx] = acc;
          acc = ops.combine(acc, values[idx]!);
        } else {
          acc = ops.combine(acc, values[idx]!);
          out[idx] = acc;
        }
      }
    }
  }
}

function axisDims(x: Tensor, axis: number): [number, number, number] {
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return [outer, x.shape[axis]!, inner];
}

export const cumulativeKernel: Kernel<'cumulative'> = (layer, inputs) => {
  const [x, axisTensor] = inputs;
  if (!x || !axisTensor) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'cumulative needs inputs [x, axis]');
  if (axisTensor.size !== 1) throw new KilnError(ErrorCode.INVALID_SHAPE, 'cumulative axis must be a scalar');
  if (x.dtype === 'string' || x.dtype === 'bool') {
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `cumulative does not accept ${x.dtype} tensors`);
  }
  const axis = normalizeAxis(ints(axisTensor)[0]!, x.rank);
  const { op, exclusive, reverse } = layer.params;
  const dims = axisDims(x, axis);
  if (needsBigInt(x.dtype)) {
    const out = new Array<bigint>(x.size);
    const ops: Ops<bigint> =
      op === 'sum' ? { identity: 0n, combine: (a, b) => a + b } : { identity: 1n, combine: (a, b) => BigInt.asUintN(64, a * b) };
    scan(bigints(x), out, dims, ops, exclusive, reverse);
    return [fromBigInts(x.dtype, x.shape, out)];
  }
  const out = new Array<number>(x.size);
  const ops: Ops<number> = op === 'sum' ? { identity: 0, combine: (a, b) => a + b } : { identity: 1, combine: (a, b) => a * b };
  scan(numbers(x), out, dims, ops, exclusive, reverse);
  return [fromNumbers(x.dtype, x.shape, out)];
};
