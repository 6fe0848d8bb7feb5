/** Validates the dims of a TensorProto / SparseTensorProto before anything is allocated. */
import { ErrorCode, KilnError, shapeSize } from '@kiln-inference/core';
import { int64ToNumber } from '../proto/int64.js';
import type { Int64 } from '../proto/messages.js';

export function readDims(dims: readonly Int64[], where: string): { shape: number[]; count: number } {
  const shape = dims.map((d) => int64ToNumber(d));
  for (const d of shape) {
    if (d < 0) {
      throw new KilnError(ErrorCode.INVALID_SHAPE, `${where}: negative dimension ${d} in dims [${shape.join(',')}]`, {
        hint: 'stored tensors need concrete non-negative dims; the model is corrupted',
      });
    }
    if (!Number.isSafeInteger(d)) {
      throw new KilnError(ErrorCode.DIMENSION_TOO_LARGE, `${where}: dimension ${d} is too large`, {
        hint: 'the model is corrupted or was not meant for this tool',
      });
    }
  }
  const count = shapeSize(shape, { hint: `${where} declares absurd dims; the model is corrupted` });
  return { shape, count };
}
