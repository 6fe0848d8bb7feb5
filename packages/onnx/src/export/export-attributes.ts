/** kiln AttributeValue → AttributeProto object. */
import { type AttributeValue, ErrorCode, type Graph, KilnError } from '@kiln-inference/core';
import { kilnDTypeToOnnx } from '../dtypes.js';
import { AttributeType } from '../import/attributes.js';
import { numberToInt64 } from '../proto/int64.js';
import type { Int64 } from '../proto/messages.js';
import { ProtoTypes } from '../proto/schema.js';
import { tensorToProto } from '../tensor/encode-tensor.js';

const utf8 = new TextEncoder();

export type AttributeProtoObject = Record<string, unknown> & { name: string; type: number };

const ints = (values: readonly number[]): Int64[] => values.map((v) => numberToInt64(v));

export function attributeToProto(name: string, a: AttributeValue, exportGraph: (g: Graph) => object): AttributeProtoObject {
  switch (a.kind) {
    case 'int':
      return { name, type: AttributeType.INT, i: numberToInt64(a.value) };
    case 'bool':
      return { name, type: AttributeType.INT, i: a.value ? 1 : 0 };
    case 'type':
      return { name, type: AttributeType.INT, i: kilnDTypeToOnnx(a.value) };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: a.value };
    case 'string':
      return { name, type: AttributeType.STRING, s: utf8.encode(a.value) };
    case 'tensor':
      return { name, type: AttributeType.TENSOR, t: tensorToProto(a.value) };
    case 'graph':
      return { name, type: AttributeType.GRAPH, g: exportGraph(a.value) };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: ints(a.value) };
    case 'bools':
      return { name, type: AttributeType.INTS, ints: a.value.map((b) => (b ? 1 : 0)) };
    case 'types':
      return { name, type: AttributeType.INTS, ints: a.value.map((t) => kilnDTypeToOnnx(t)) };
    case 'shape':
      // ONNX has no shape attribute; -1 marks an unknown dim as in Reshape's convention.
      return { name, type: AttributeType.INTS, ints: ints((a.value ?? []).map((d) => (typeof d === 'number' ? d : -1))) };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...a.value] };
    case 'strings':
      return { name, type: AttributeType.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensors':
      return { name, type: AttributeType.TENSORS, tensors: a.value.map((t) => tensorToProto(t)) };
    case 'graphs':
      return { name, type: AttributeType.GRAPHS, graphs: a.value.map((g) => exportGraph(g)) };
    case 'opaque': {
      // Opaque ONNX attributes carry their own encoded AttributeProto.
      const decoded = ProtoTypes.AttributeProto.toObject(ProtoTypes.AttributeProto.decode(a.value.bytes)) as AttributeProtoObject;
      return { ...decoded, name };
    }
    default:
      throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `attribute '${name}' of kind ${a.kind} has no ONNX encoding`, {
        hint: 'replace the attribute with an int, float, string, tensor, graph or a list of those before exporting',
      });
  }
}
