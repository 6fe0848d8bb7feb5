/**
 * Sub-byte element packing as ONNX files store it: int4/uint4/float4e2m1 two per byte and
 * int2/uint2 four per byte, the first element in the lowest bits. Kiln keeps them unpacked,
 * one element per byte (see core's dtype.ts).
 */
import { allocateStorage, type DType, type TensorData } from '@kiln-inference/core';

/** Bits per element of the packed dtypes; undefined for dtypes stored whole bytes. */
export function packedBits(dtype: DType): 4 | 2 | undefined {
  if (dtype === 'int4' || dtype === 'uint4' || dtype === 'float4e2m1') return 4;
  if (dtype === 'int2' || dtype === 'uint2') return 2;
  return undefined;
}

export function packedByteLength(count: number, bits: number): number {
  return Math.ceil((count * bits) / 8);
}

/** Unpacks `count` elements of `dtype` from `bytes`, sign-extending the signed types. */
export function unpackElements(dtype: DType, bits: 4 | 2, bytes: ArrayLike<number>, count: number): TensorData {
  const out = allocateStorage(dtype, count) as Int8Array | Uint8Array;
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const signed = dtype === 'int4' || dtype === 'int2';
  const signBit = 1 << (bits - 1);
  for (let i = 0; i < count; i++) {
    const byte = bytes[Math.floor(i / perByte)]! & 0xff;
    const v = (byte >> ((i % perByte) * bits)) & mask;
    out[i] = signed && v & signBit ? v - (1 << bits) : v;
  }
  return out;
}

/** Packs unpacked elements; unused high bits of the last byte stay zero. */
export function packElements(values: ArrayLike<number>, bits: 4 | 2): Uint8Array {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(packedByteLength(values.length, bits));
  for (let i = 0; i < values.length; i++) {
    out[Math.floor(i / perByte)]! |= (values[i]! & mask) << ((i % perByte) * bits);
  }
  return out;
}
