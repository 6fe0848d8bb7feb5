/**
 * TF AttrValue → kiln AttributeValue. Strings are decoded as UTF-8 (TF attrs such as padding,
 * data_format and fused_ops are ASCII); types keep the TF name when kiln has no dtype for them.
 */
import type { AttributeValue, DType, Shape } from '@kiln-inference/core';
import type { TfAttr, TfList, TfShape } from './proto/tf-messages.js';
import { tensorFromProto } from './tensor-proto.js';
import { kilnDTypeOf, tfDTypeName } from './tf-dtypes.js';

const utf8 = new TextDecoder();

/** Empty lists carry no element type on the wire; these attributes are known to hold strings or types. */
const EMPTY_LIST_KIND: Record<string, AttributeValue['kind']> = {
  fused_ops: 'strings',
  _class: 'strings',
  T: 'types',
  Tin: 'types',
  Tout: 'types',
  dtypes: 'types',
  output_types: 'types',
  _output_shapes: 'shapes',
  output_shapes: 'shapes',
};

export function shapeFromTf(shape: TfShape): Shape | null {
  if (shape.unknownRank) return null;
  return shape.dims.map((d) => (d < 0 ? null : d));
}

function typeValue(code: number): AttributeValue {
  const dtype = kilnDTypeOf(code);
  return dtype ? { kind: 'type', value: dtype } : { kind: 'opaque', value: { type: tfDTypeName(code), bytes: new Uint8Array() } };
}

function listValue(name: string, list: TfList, where: string): AttributeValue {
  if (list.s.length) return { kind: 'strings', value: list.s.map((b) => utf8.decode(b)) };
  if (list.i.length) return { kind: 'ints', value: list.i };
  if (list.f.length) return { kind: 'floats', value: list.f };
  if (list.b.length) return { kind: 'bools', value: list.b };
  if (list.type.length) {
    const types = list.type.map(kilnDTypeOf);
    if (types.every((t): t is DType => t !== undefined)) return { kind: 'types', value: types };
    return { kind: 'strings', value: list.type.map(tfDTypeName) };
  }
  if (list.shape.length) return { kind: 'shapes', value: list.shape.map(shapeFromTf) };
  if (list.tensor.length)
    return { kind: 'tensors', value: list.tensor.map((t, i) => tensorFromProto(t, `${where} attribute '${name}'[${i}]`)) };
  if (list.func.length) return { kind: 'strings', value: list.func.map((f) => f.name) };
  const kind = EMPTY_LIST_KIND[name] ?? 'ints';
  return { kind, value: [] } as AttributeValue;
}

/** Converts one attribute; undefined for an AttrValue with nothing set. */
export function attributeFromTf(name: string, attr: TfAttr, where: string): AttributeValue | undefined {
  switch (attr.kind) {
    case 's':
      return { kind: 'string', value: utf8.decode(attr.value) };
    case 'i':
      return { kind: 'int', value: attr.value };
    case 'f':
      return { kind: 'float', value: attr.value };
    case 'b':
      return { kind: 'bool', value: attr.value };
    case 'type':
      return typeValue(attr.value);
    case 'shape':
      return { kind: 'shape', value: shapeFromTf(attr.value) };
    case 'tensor':
      return { kind: 'tensor', value: tensorFromProto(attr.value, `${where} attribute '${name}'`) };
    case 'list':
      return listValue(name, attr.value, where);
    case 'func': {
      const attributes: Record<string, AttributeValue> = {};
      for (const [k, v] of attr.value.attr) {
        const a = attributeFromTf(k, v, where);
        if (a) attributes[k] = a;
      }
      return { kind: 'func', value: { name: attr.value.name, attributes } };
    }
    case 'placeholder':
      return { kind: 'opaque', value: { type: 'placeholder', bytes: new TextEncoder().encode(attr.value) } };
    case 'none':
      return undefined;
  }
}
