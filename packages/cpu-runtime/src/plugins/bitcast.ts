/**
 * kiln::BitCast v1 — ONNX BitCast. inputs [x]; field `to` (a kiln dtype of the same bit width
 * as x). The output keeps x's shape and reinterprets each element's bits as `to`. Whole-byte
 * types copy storage bytes; sub-byte types (stored unpacked, one element per byte) keep the low
 * `bits` bits and sign-extend when `to` is signed.
 */
import { type DType, dtypeInfo, ErrorCode, isDType, Tensor, type TypedArray } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { pluginError, pluginInput, stringField } from './plugin-fields.js';

function narrowBits(x: Tensor, to: DType, bits: number): Tensor {
  const out = new Tensor(to, x.shape);
  const src = x.data as TypedArray;
  const dst = out.data as Int8Array | Uint8Array;
  const mask = (1 << bits) - 1;
  const signed = dtypeInfo(to).isSigned && dtypeInfo(to).isInteger;
  for (let i = 0; i < dst.length; i++) {
    const raw = Number(src[i]!) & mask;
    dst[i] = signed && raw >= 1 << (bits - 1) ? raw - (1 << bits) : raw;
  }
  return out;
}

function copyBytes(x: Tensor, to: DType): Tensor {
  const src = x.data as TypedArray;
  const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength).slice();
  const Storage = dtypeInfo(to).storage!;
  return new Tensor(to, x.shape, new Storage(bytes.buffer, 0, src.length) as TypedArray);
}

export const bitCastPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x = pluginInput(layer, inputs, 0, 'input');
  const to = stringField(layer, 'to', '');
  if (!isDType(to)) throw pluginError(layer, ErrorCode.INVALID_DTYPE, `target dtype '${to}' is unknown`, 'set field to to a kiln dtype');
  const from = dtypeInfo(x.dtype);
  const target = dtypeInfo(to);
  if (from.storage === undefined || target.storage === undefined || from.bits !== target.bits) {
    throw pluginError(
      layer,
      ErrorCode.INVALID_DTYPE,
      `cannot bit-cast ${x.dtype} (${from.bits} bits) to ${to} (${target.bits} bits)`,
      'BitCast needs two non-string types of the same bit width',
    );
  }
  if (from.bits < 8) return [narrowBits(x, to, from.bits)];
  // bool and the 8-bit float formats share 8-bit storage with uint8; every other whole-byte
  // type's storage element is exactly its width, so a byte copy reinterprets exactly.
  return [copyBytes(x, to)];
};
