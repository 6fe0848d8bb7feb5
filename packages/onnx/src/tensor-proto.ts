/** Public TensorProto byte codecs (the backend tests' input_N.pb / output_N.pb files). */
import type { Tensor } from '@kiln-inference/core';
import { decodeMessage } from './proto/decode-message.js';
import type { TensorMsg } from './proto/messages.js';
import { ProtoTypes } from './proto/schema.js';
import { tensorFromProto } from './tensor/decode-tensor.js';
import { tensorToProto } from './tensor/encode-tensor.js';

export function decodeTensorProto(bytes: Uint8Array, options: { baseDir?: string } = {}): { name: string; tensor: Tensor } {
  const msg = decodeMessage<TensorMsg>('TensorProto', bytes, 'the TensorProto');
  return { name: msg.name, tensor: tensorFromProto(msg, options) };
}

export function encodeTensorProto(tensor: Tensor, name: string): Uint8Array {
  return ProtoTypes.TensorProto.encode(tensorToProto(tensor, name)).finish();
}
