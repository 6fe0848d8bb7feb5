/** AttributeProto → kiln AttributeValue (sub-graphs through a callback, to keep files acyclic). */
import { type AttributeValue, checkCount, ErrorCode, type Graph, KilnError } from '@kiln-inference/core';
import { int64ToNumber } from '../proto/int64.js';
import { type AttributeMsg, bytesToString, type GraphMsg, hasField } from '../proto/messages.js';
import { ProtoTypes } from '../proto/schema.js';
import { tensorFromProto, type WeightBudget } from '../tensor/decode-tensor.js';

/** AttributeProto.AttributeType from onnx.proto. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

const OPAQUE_NAMES: Record<number, string> = {
  [AttributeType.SPARSE_TENSOR]: 'SPARSE_TENSOR',
  [AttributeType.SPARSE_TENSORS]: 'SPARSE_TENSORS',
  [AttributeType.TYPE_PROTO]: 'TYPE_PROTO',
  [AttributeType.TYPE_PROTOS]: 'TYPE_PROTOS',
};

export interface AttributeImportContext {
  baseDir?: string;
  budget?: WeightBudget;
  importSubgraph: (g: GraphMsg, where: string) => Graph;
}

/** IR version 1 files have no `type`; the populated field tells it. */
function inferType(a: AttributeMsg): number {
  const singles: [keyof AttributeMsg, number][] = [
    ['f', AttributeType.FLOAT],
    ['i', AttributeType.INT],
    ['s', AttributeType.STRING],
    ['t', AttributeType.TENSOR],
    ['g', AttributeType.GRAPH],
    ['sparseTensor', AttributeType.SPARSE_TENSOR],
    ['tp', AttributeType.TYPE_PROTO],
  ];
  for (const [field, type] of singles) if (hasField(a, field)) return type;
  const lists: [keyof AttributeMsg, number][] = [
    ['floats', AttributeType.FLOATS],
    ['ints', AttributeType.INTS],
    ['strings', AttributeType.STRINGS],
    ['tensors', AttributeType.TENSORS],
    ['graphs', AttributeType.GRAPHS],
    ['sparseTensors', AttributeType.SPARSE_TENSORS],
    ['typeProtos', AttributeType.TYPE_PROTOS],
  ];
  for (const [field, type] of lists) if ((a[field] as unknown[]).length > 0) return type;
  return AttributeType.UNDEFINED;
}

export function attributeFromProto(a: AttributeMsg, ctx: AttributeImportContext): AttributeValue {
  const type = a.type || inferType(a);
  const where = `attribute '${a.name}'`;
  switch (type) {
    case AttributeType.FLOAT:
      return { kind: 'float', value: a.f };
    case AttributeType.INT:
      return { kind: 'int', value: int64ToNumber(a.i) };
    case AttributeType.STRING:
      return { kind: 'string', value: boundedString(a.s, where) };
    case AttributeType.TENSOR:
      return { kind: 'tensor', value: tensorFromProto(required(a.t, a), { baseDir: ctx.baseDir, where, budget: ctx.budget }) };
    case AttributeType.GRAPH:
      return { kind: 'graph', value: ctx.importSubgraph(required(a.g, a), where) };
    case AttributeType.FLOATS:
      return { kind: 'floats', value: [...a.floats] };
    case AttributeType.INTS:
      return { kind: 'ints', value: a.ints.map((v) => int64ToNumber(v)) };
    case AttributeType.STRINGS:
      return { kind: 'strings', value: a.strings.map((s) => boundedString(s, where)) };
    case AttributeType.TENSORS:
      return { kind: 'tensors', value: a.tensors.map((t) => tensorFromProto(t, { baseDir: ctx.baseDir, where, budget: ctx.budget })) };
    case AttributeType.GRAPHS:
      return { kind: 'graphs', value: a.graphs.map((g) => ctx.importSubgraph(g, where)) };
    default: {
      const name = OPAQUE_NAMES[type];
      if (name) return { kind: 'opaque', value: { type: name, bytes: ProtoTypes.AttributeProto.encode(a as never).finish() } };
      throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `${where} has unknown attribute type ${type}`, {
        hint: 'the model is corrupted or was written by a newer ONNX than kiln knows',
      });
    }
  }
}

/** Attribute strings are bounded by maxStringLength (counted in bytes, which bound characters). */
function boundedString(bytes: Uint8Array, where: string): string {
  checkCount('maxStringLength', bytes.length, `${where}: the length of a string in bytes`);
  return bytesToString(bytes);
}

function required<T>(value: T | null | undefined, a: AttributeMsg): T {
  if (value === null || value === undefined) {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `attribute '${a.name}' declares type ${a.type} but holds no value`, {
      hint: 'the model is corrupted; re-export it',
    });
  }
  return value;
}
