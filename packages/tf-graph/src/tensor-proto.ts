/**
 * TensorProto → Tensor. Values come either as raw little-endian `tensor_content` or in the
 * typed `*_val` field of the dtype; TensorFlow writes fewer typed values than elements when
 * the tail repeats, and a reader fills the rest with the last value (a single value
 * broadcasts to the whole shape), or with zeros when there is none.
 */
import { type DType, ErrorCode, KilnError, type ScalarValue, shapeSize, Tensor } from '@kiln-inference/core';
import type { TfShape, TfTensor } from './proto/tf-messages.js';
import { checkConstantSize, rawTensor } from './raw-tensor.js';
import { kilnDTypeOf, tfDTypeName } from './tf-dtypes.js';

/** The concrete shape of a Const tensor; unknown dims are an error here. */
export function concreteShape(shape: TfShape, what: string): number[] {
  if (shape.unknownRank || shape.dims.some((d) => d < 0)) {
    throw new KilnError(
      ErrorCode.INVALID_SHAPE,
      `${what}: a constant tensor must have a fully known shape, got [${shape.dims.join(',')}]`,
      {
        hint: 'the file is corrupted or was not written by TensorFlow',
      },
    );
  }
  return shape.dims;
}

/** The typed values of a TensorProto for its dtype (before broadcasting). */
function typedValues(t: TfTensor, dtype: DType): readonly ScalarValue[] | Uint16Array {
  switch (dtype) {
    case 'float32':
      return t.floatVal;
    case 'float64':
      return t.doubleVal;
    case 'int64':
      return t.int64Val;
    case 'uint64':
      return t.uint64Val;
    case 'uint32':
      return t.uint32Val;
    case 'bool':
      return t.boolVal;
    case 'string':
      return t.stringVal.map((b) => new TextDecoder().decode(b));
    case 'float16':
    case 'bfloat16':
      return Uint16Array.from(t.halfVal);
    default:
      return t.intVal;
  }
}

export function tensorFromProto(t: TfTensor, what: string): Tensor {
  const dtype = kilnDTypeOf(t.dtype);
  if (!dtype) {
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `${what}: tensors of ${tfDTypeName(t.dtype)} are not supported`, {
      hint: 'kiln reads real, integer, bool and string tensors',
    });
  }
  const shape = concreteShape(t.shape, what);
  const size = shapeSize(shape, { hint: `${what}: the constant's shape is absurd; the file is corrupted` });
  if (t.content && t.content.length > 0 && dtype !== 'string') return rawTensor(dtype, shape, t.content, `${what} tensor_content`);
  checkConstantSize(size, what);
  const values = typedValues(t, dtype);
  if (values.length > size) {
    throw new KilnError(ErrorCode.INVALID_MODEL, `${what}: ${values.length} values for shape [${shape.join(',')}] (${size} elements)`, {
      hint: 'the file is corrupted',
    });
  }
  if (values instanceof Uint16Array) {
    const bits = new Uint16Array(size);
    bits.set(values);
    if (values.length > 0) bits.fill(values[values.length - 1]!, values.length);
    return new Tensor(dtype, shape, bits);
  }
  if (values.length === size) return Tensor.fromValues(dtype, shape, values);
  if (values.length === 0)
    return dtype === 'string' ? new Tensor(dtype, shape, new Array<string>(size).fill('')) : Tensor.zeros(dtype, shape);
  const last = values[values.length - 1]!;
  const filled: ScalarValue[] = new Array<ScalarValue>(size);
  for (let i = 0; i < size; i++) filled[i] = i < values.length ? values[i]! : last;
  return Tensor.fromValues(dtype, shape, filled);
}
