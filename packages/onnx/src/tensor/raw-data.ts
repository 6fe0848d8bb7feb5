/** TensorProto.raw_data: elements in little-endian byte order (sub-byte types packed). */
import { allocateStorage, type DType, ErrorCode, KilnError, type TensorData } from '@kiln-inference/core';
import { packElements, packedBits, packedByteLength, unpackElements } from './packing.js';

/** Bytes `count` elements of `dtype` occupy in raw_data. */
export function rawByteLength(dtype: DType, count: number): number {
  const bits = packedBits(dtype);
  if (bits) return packedByteLength(count, bits);
  const storage = allocateStorage(dtype, 0);
  if (Array.isArray(storage)) return Number.NaN;
  return count * storage.BYTES_PER_ELEMENT;
}

export function decodeRawData(dtype: DType, count: number, bytes: Uint8Array, where: string): TensorData {
  if (dtype === 'string') {
    throw new KilnError(ErrorCode.INVALID_MODEL, `${where}: STRING tensors cannot use raw_data`, {
      hint: 'string tensors store their elements in string_data',
    });
  }
  const need = rawByteLength(dtype, count);
  if (bytes.length !== need) {
    const problem = bytes.length < need ? 'is shorter than' : 'is longer than';
    throw new KilnError(
      ErrorCode.INVALID_MODEL,
      `${where}: raw data of ${bytes.length} bytes ${problem} its shape needs (${need} bytes of ${dtype})`,
      {
        hint: 'the tensor data is corrupted or its dims are wrong; re-export the model',
      },
    );
  }
  const bits = packedBits(dtype);
  if (bits) return unpackElements(dtype, bits, bytes, count);
  const out = allocateStorage(dtype, count) as Exclude<TensorData, string[]>;
  // Copying through bytes keeps NaN payloads and handles unaligned views into the file.
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
  return out;
}

export function encodeRawData(dtype: DType, data: TensorData): Uint8Array {
  if (Array.isArray(data)) throw new KilnError(ErrorCode.INTERNAL, 'string tensors have no raw data');
  const bits = packedBits(dtype);
  if (bits) return packElements(data as Int8Array | Uint8Array, bits);
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}
