/**
 * TensorProto's typed data fields: float_data, int32_data (which also carries the bit patterns
 * of 8/16-bit ints, bool, float16, bfloat16 and float8, and packed bytes of the sub-byte types),
 * int64_data, double_data, uint64_data (uint32 and uint64) and string_data.
 */
import { allocateStorage, type DType, ErrorCode, KilnError, type TensorData } from '@kiln-inference/core';
import { int64ToBigInt } from '../proto/int64.js';
import { bytesToString, type TensorMsg } from '../proto/messages.js';
import { packedBits, packedByteLength, unpackElements } from './packing.js';

type FieldName = 'floatData' | 'int32Data' | 'int64Data' | 'doubleData' | 'uint64Data' | 'stringData';

/** The typed field that holds elements of each dtype. */
export function typedFieldOf(dtype: DType): FieldName {
  switch (dtype) {
    case 'float32':
      return 'floatData';
    case 'float64':
      return 'doubleData';
    case 'int64':
      return 'int64Data';
    case 'uint32':
    case 'uint64':
      return 'uint64Data';
    case 'string':
      return 'stringData';
    default:
      return 'int32Data';
  }
}

export function decodeTypedFields(msg: TensorMsg, dtype: DType, count: number, where: string): TensorData {
  const field = typedFieldOf(dtype);
  const values = msg[field] as ArrayLike<unknown>;
  const bits = packedBits(dtype);
  if (bits && values.length === packedByteLength(count, bits)) {
    return unpackElements(dtype, bits, msg.int32Data, count);
  }
  if (bits && values.length === count) {
    // Some writers store one sub-byte element per int32 instead of packed bytes.
    const out = allocateStorage(dtype, count) as Int8Array | Uint8Array;
    for (let i = 0; i < count; i++) out[i] = unpackElements(dtype, bits, [msg.int32Data[i]!], 1)[0] as number;
    return out;
  }
  if (values.length !== count) {
    throw new KilnError(ErrorCode.INVALID_MODEL, `${where}: ${field} holds ${values.length} values but the shape needs ${count}`, {
      hint: 'the tensor data is corrupted or its dims are wrong; re-export the model',
    });
  }
  if (field === 'stringData') return msg.stringData.map((b) => bytesToString(b));
  if (field === 'int64Data' || field === 'uint64Data') {
    const unsigned = field === 'uint64Data';
    const raw = msg[field];
    if (dtype === 'uint32') return Uint32Array.from(raw, (v) => Number(int64ToBigInt(v, true) & 0xffffffffn));
    const out = allocateStorage(dtype, count) as BigInt64Array | BigUint64Array;
    for (let i = 0; i < count; i++) out[i] = int64ToBigInt(raw[i]!, unsigned);
    return out;
  }
  const out = allocateStorage(dtype, count) as Exclude<TensorData, string[] | BigInt64Array | BigUint64Array>;
  // Assigning into the typed array wraps int32_data bit patterns to the element width.
  const src = msg[field] as number[];
  for (let i = 0; i < count; i++) out[i] = dtype === 'bool' ? (src[i] ? 1 : 0) : src[i]!;
  return out;
}
