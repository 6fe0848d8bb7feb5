/**
 * SequenceProto and OptionalProto (onnx-data.proto): the backend tests store sequence and
 * optional inputs/outputs this way. Kiln represents a sequence as Tensor[] and an empty
 * optional as null.
 */
import { ErrorCode, KilnError, type Tensor } from '@kiln-inference/core';
import { decodeMessage } from './proto/decode-message.js';
import type { OptionalMsg, SequenceMsg } from './proto/messages.js';
import { tensorFromProto } from './tensor/decode-tensor.js';
import { decodeTensorProto } from './tensor-proto.js';

/** SequenceProto / OptionalProto.DataType. */
const ValueKind = { UNDEFINED: 0, TENSOR: 1, SPARSE_TENSOR: 2, SEQUENCE: 3, MAP: 4, OPTIONAL: 5 } as const;
const KIND_NAMES = ['UNDEFINED', 'TENSOR', 'SPARSE_TENSOR', 'SEQUENCE', 'MAP', 'OPTIONAL'];

function unsupported(what: string, kind: number): KilnError {
  return new KilnError(
    ErrorCode.UNSUPPORTED_DTYPE,
    `${what} holds ${KIND_NAMES[kind] ?? `kind ${kind}`} elements; kiln supports tensors only`,
    {
      hint: 'sequences and optionals of tensors are supported',
    },
  );
}

function sequenceElements(msg: SequenceMsg, what: string): Tensor[] {
  if (msg.elemType === ValueKind.TENSOR || (msg.elemType === ValueKind.UNDEFINED && msg.tensorValues.length > 0)) {
    return msg.tensorValues.map((t, i) => tensorFromProto(t, { where: `${what} element ${i}` }));
  }
  const empty =
    msg.tensorValues.length +
      msg.sequenceValues.length +
      msg.sparseTensorValues.length +
      msg.mapValues.length +
      msg.optionalValues.length ===
    0;
  if (empty) return [];
  throw unsupported(what, msg.elemType);
}

export function decodeSequenceProto(bytes: Uint8Array): { name: string; elements: Tensor[] } {
  const msg = decodeMessage<SequenceMsg>('SequenceProto', bytes, 'the SequenceProto');
  return { name: msg.name, elements: sequenceElements(msg, `sequence '${msg.name}'`) };
}

export function decodeOptionalProto(bytes: Uint8Array): { name: string; value: Tensor | Tensor[] | null } {
  const msg = decodeMessage<OptionalMsg>('OptionalProto', bytes, 'the OptionalProto');
  const what = `optional '${msg.name}'`;
  if (msg.tensorValue) return { name: msg.name, value: tensorFromProto(msg.tensorValue, { where: what }) };
  if (msg.sequenceValue) return { name: msg.name, value: sequenceElements(msg.sequenceValue, what) };
  if (msg.sparseTensorValue || msg.mapValue || msg.optionalValue) throw unsupported(what, msg.elemType);
  return { name: msg.name, value: null };
}

export type TestValueKind = 'tensor' | 'sequence' | 'optional';

export function decodeTestValue(bytes: Uint8Array, kind: TestValueKind): Tensor | Tensor[] | null {
  switch (kind) {
    case 'tensor':
      return decodeTensorProto(bytes).tensor;
    case 'sequence':
      return decodeSequenceProto(bytes).elements;
    case 'optional':
      return decodeOptionalProto(bytes).value;
    default:
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `unknown test value kind '${String(kind)}'`, {
        hint: "use 'tensor', 'sequence' or 'optional'",
      });
  }
}
