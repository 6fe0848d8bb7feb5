/**
 * Decodes protobuf bytes into a message, turning every failure of the wire decoder (truncated
 * data, a wrong wire type, a runaway length, nesting that exhausts the stack) into a KilnError.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { type ProtoTypeName, ProtoTypes } from './schema.js';

export function decodeMessage<T>(type: ProtoTypeName, bytes: Uint8Array, what: string): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `${what}: expected a Uint8Array of ${type} bytes`, {
      hint: 'read the file with fs.readFileSync and pass its bytes',
    });
  }
  try {
    return ProtoTypes[type].decode(bytes) as unknown as T;
  } catch (e) {
    throw wireError(e, type, what);
  }
}

function wireError(e: unknown, type: string, what: string): KilnError {
  const detail = e instanceof Error ? e.message : String(e);
  if (/index out of range|premature|truncat/i.test(detail)) {
    return new KilnError(ErrorCode.TRUNCATED_FILE, `${what} ends in the middle of a ${type} (${detail})`, {
      hint: 'the file is truncated (download or copy it again) or is not this kind of ONNX file',
      cause: e,
    });
  }
  return new KilnError(ErrorCode.INVALID_MODEL, `${what} is not a valid ${type} (${detail})`, {
    hint: 'the bytes are corrupted or are not an ONNX protobuf file',
    cause: e,
  });
}
