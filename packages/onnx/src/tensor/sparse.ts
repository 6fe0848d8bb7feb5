/**
 * SparseTensorProto → dense Tensor. Indices are int64, either [NNZ] linear indices or [NNZ, rank]
 * coordinates; values are [NNZ]. Unlisted elements are zero (empty strings for STRING).
 */
import { allocateStorage, ErrorCode, KilnError, stridesOf, Tensor } from '@kiln-inference/core';
import type { SparseTensorMsg } from '../proto/messages.js';
import { checkDeclaredTensor, type TensorDecodeOptions, tensorFromProto } from './decode-tensor.js';
import { readDims } from './read-dims.js';

/** Dense copies above 2^30 elements (4 GiB of float32) are refused rather than attempted. */
const MAX_DENSE_ELEMENTS = 2 ** 30;

export function densifySparseTensor(msg: SparseTensorMsg, options: TensorDecodeOptions = {}): Tensor {
  const name = msg.values?.name;
  const where = name ? `sparse tensor '${name}'` : (options.where ?? 'sparse tensor');
  if (!msg.values || !msg.indices) {
    throw new KilnError(ErrorCode.INVALID_MODEL, `${where}: values or indices are missing`, { hint: 'the model is corrupted' });
  }
  const { shape, count } = readDims(msg.dims, where);
  const values = tensorFromProto(msg.values, { ...options, where: `${where} values` });
  checkDeclaredTensor(values.dtype, count, where, options.budget);
  const indices = tensorFromProto(msg.indices, { ...options, where: `${where} indices` });
  const nnz = values.size;
  const linear = linearIndices(indices, nnz, shape, where);
  if (count > MAX_DENSE_ELEMENTS) {
    throw new KilnError(
      ErrorCode.DIMENSION_TOO_LARGE,
      `${where}: densifying ${count} elements is more than kiln allows (${MAX_DENSE_ELEMENTS})`,
      {
        hint: 'the dims are corrupted, or the tensor is too large to hold densely',
      },
    );
  }
  const out = allocateStorage(values.dtype, count);
  const src = values.data;
  for (let k = 0; k < nnz; k++) {
    const at = linear[k]!;
    if (at < 0 || at >= count) {
      throw new KilnError(ErrorCode.INVALID_MODEL, `${where}: index ${at} is outside the ${count} elements of its dims`, {
        hint: 'the model is corrupted',
      });
    }
    (out as unknown[])[at] = (src as unknown[])[k];
  }
  return new Tensor(values.dtype, shape, out);
}

function linearIndices(indices: Tensor, nnz: number, shape: readonly number[], where: string): number[] {
  const flat = Array.from(indices.toFloat64());
  if (indices.rank === 1 && indices.size === nnz) return flat;
  if (indices.rank === 2 && indices.shape[0] === nnz && indices.shape[1] === shape.length) {
    const strides = stridesOf(shape);
    return Array.from({ length: nnz }, (_, k) => strides.reduce((acc, s, d) => acc + s * flat[k * shape.length + d]!, 0));
  }
  throw new KilnError(
    ErrorCode.INVALID_MODEL,
    `${where}: indices of shape [${indices.shape.join(',')}] do not match ${nnz} values of rank ${shape.length}`,
    {
      hint: 'indices must be [NNZ] or [NNZ, rank]',
    },
  );
}
