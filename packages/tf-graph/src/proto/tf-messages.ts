/**
 * TensorFlow's protobuf messages, as field-number decoders. The field numbers are the facts of
 * graph.proto, node_def.proto, attr_value.proto, tensor.proto, tensor_shape.proto,
 * versions.proto, meta_graph.proto, saved_model.proto and tensor_bundle.proto. The decoded
 * records (Tf*) are also what the TensorFlow.js JSON reader produces, so one graph builder
 * serves both.
 */
import { decodeFunctionLibrary, type TfLibrary } from '../functions/function-def.js';
import { type ProtoReader, readMapEntry, WireType } from './wire-reader.js';

export interface TfShape {
  unknownRank: boolean;
  /** -1 marks an unknown dimension. */
  dims: number[];
}

export interface TfTensor {
  dtype: number;
  shape: TfShape;
  content?: Uint8Array;
  floatVal: number[];
  doubleVal: number[];
  /** int32, int16, int8, uint8, qint* values. */
  intVal: number[];
  int64Val: bigint[];
  boolVal: boolean[];
  stringVal: Uint8Array[];
  /** float16 / bfloat16 bit patterns. */
  halfVal: number[];
  uint32Val: number[];
  uint64Val: bigint[];
}

export interface TfFunc {
  name: string;
  attr: Map<string, TfAttr>;
}

export interface TfList {
  s: Uint8Array[];
  i: number[];
  f: number[];
  b: boolean[];
  type: number[];
  shape: TfShape[];
  tensor: TfTensor[];
  func: TfFunc[];
}

export type TfAttr =
  | { kind: 's'; value: Uint8Array }
  | { kind: 'i'; value: number }
  | { kind: 'f'; value: number }
  | { kind: 'b'; value: boolean }
  | { kind: 'type'; value: number }
  | { kind: 'shape'; value: TfShape }
  | { kind: 'tensor'; value: TfTensor }
  | { kind: 'list'; value: TfList }
  | { kind: 'func'; value: TfFunc }
  | { kind: 'placeholder'; value: string }
  /** An AttrValue with no value set (TF writes these for empty lists in old graphs). */
  | { kind: 'none' };

export interface TfNodeDef {
  name: string;
  op: string;
  inputs: string[];
  device: string;
  attr: Map<string, TfAttr>;
}

export interface TfGraphDef {
  nodes: TfNodeDef[];
  /** VersionDef.producer (0 when absent: very old graphs). */
  producer: number;
  /** Names of the functions in the graph's FunctionDefLibrary (TF2 control flow lives there). */
  functionNames: string[];
  /** The FunctionDefLibrary, by function name. */
  library: TfLibrary;
}

export function emptyShape(): TfShape {
  return { unknownRank: false, dims: [] };
}

export function emptyTensor(): TfTensor {
  return {
    dtype: 0,
    shape: emptyShape(),
    floatVal: [],
    doubleVal: [],
    intVal: [],
    int64Val: [],
    boolVal: [],
    stringVal: [],
    halfVal: [],
    uint32Val: [],
    uint64Val: [],
  };
}

export function emptyList(): TfList {
  return { s: [], i: [], f: [], b: [], type: [], shape: [], tensor: [], func: [] };
}

const readVarint = (r: ProtoReader): number => r.varint();
const readInt32 = (r: ProtoReader): number => r.int32();
const readBig = (r: ProtoReader): bigint => BigInt.asIntN(64, r.varintBig());
const readBool = (r: ProtoReader): boolean => r.bool();
const readFloat = (r: ProtoReader): number => r.float();
const readDouble = (r: ProtoReader): number => r.double();

export function decodeShape(r: ProtoReader): TfShape {
  const shape = emptyShape();
  r.forEach((field, wt) => {
    if (field === 2) {
      r.expect(wt, WireType.BYTES, 'TensorShapeProto.dim');
      const dim = r.message();
      let size = 0;
      dim.forEach((f, w) => {
        if (f === 1) size = dim.varint();
        else dim.skip(w);
      });
      shape.dims.push(size);
    } else if (field === 3) shape.unknownRank = r.bool();
    else r.skip(wt);
  });
  return shape;
}

export function decodeTensor(r: ProtoReader): TfTensor {
  const t = emptyTensor();
  r.forEach((field, wt) => {
    switch (field) {
      case 1:
        t.dtype = r.int32();
        break;
      case 2:
        r.expect(wt, WireType.BYTES, 'TensorProto.tensor_shape');
        t.shape = decodeShape(r.message());
        break;
      case 4:
        r.expect(wt, WireType.BYTES, 'TensorProto.tensor_content');
        t.content = r.bytesField();
        break;
      case 5:
        r.repeated(wt, readFloat, t.floatVal);
        break;
      case 6:
        r.repeated(wt, readDouble, t.doubleVal);
        break;
      case 7:
        r.repeated(wt, readInt32, t.intVal);
        break;
      case 8:
        t.stringVal.push(r.bytesField());
        break;
      case 10:
        r.repeated(wt, readBig, t.int64Val);
        break;
      case 11:
        r.repeated(wt, readBool, t.boolVal);
        break;
      case 13:
        r.repeated(wt, readVarint, t.halfVal);
        break;
      case 16:
        r.repeated(wt, readVarint, t.uint32Val);
        break;
      case 17:
        r.repeated(wt, (x) => x.varintBig(), t.uint64Val);
        break;
      default:
        r.skip(wt);
    }
  });
  return t;
}

function decodeFunc(r: ProtoReader): TfFunc {
  const func: TfFunc = { name: '', attr: new Map() };
  r.forEach((field, wt) => {
    if (field === 1) func.name = r.string();
    else if (field === 2) {
      const [k, v] = readMapEntry(
        r,
        (e) => e.string(),
        (e) => decodeAttr(e.message()),
        { key: '', value: (): TfAttr => ({ kind: 'none' }) },
      );
      func.attr.set(k, v);
    } else r.skip(wt);
  });
  return func;
}

function decodeList(r: ProtoReader): TfList {
  const list = emptyList();
  r.forEach((field, wt) => {
    switch (field) {
      case 2:
        list.s.push(r.bytesField());
        break;
      case 3:
        r.repeated(wt, readVarint, list.i);
        break;
      case 4:
        r.repeated(wt, readFloat, list.f);
        break;
      case 5:
        r.repeated(wt, readBool, list.b);
        break;
      case 6:
        r.repeated(wt, readInt32, list.type);
        break;
      case 7:
        list.shape.push(decodeShape(r.message()));
        break;
      case 8:
        list.tensor.push(decodeTensor(r.message()));
        break;
      case 9:
        list.func.push(decodeFunc(r.message()));
        break;
      default:
        r.skip(wt);
    }
  });
  return list;
}

export function decodeAttr(r: ProtoReader): TfAttr {
  let attr: TfAttr = { kind: 'none' };
  r.forEach((field, wt) => {
    switch (field) {
      case 1:
        attr = { kind: 'list', value: decodeList(r.message()) };
        break;
      case 2:
        attr = { kind: 's', value: r.bytesField() };
        break;
      case 3:
        attr = { kind: 'i', value: r.varint() };
        break;
      case 4:
        r.expect(wt, WireType.FIXED32, 'AttrValue.f');
        attr = { kind: 'f', value: r.float() };
        break;
      case 5:
        attr = { kind: 'b', value: r.bool() };
        break;
      case 6:
        attr = { kind: 'type', value: r.int32() };
        break;
      case 7:
        attr = { kind: 'shape', value: decodeShape(r.message()) };
        break;
      case 8:
        attr = { kind: 'tensor', value: decodeTensor(r.message('TensorProto')) };
        break;
      case 9:
        attr = { kind: 'placeholder', value: r.string() };
        break;
      case 10:
        attr = { kind: 'func', value: decodeFunc(r.message()) };
        break;
      default:
        r.skip(wt);
    }
  });
  return attr;
}

export function decodeNodeDef(r: ProtoReader): TfNodeDef {
  const node: TfNodeDef = { name: '', op: '', inputs: [], device: '', attr: new Map() };
  r.forEach((field, wt) => {
    switch (field) {
      case 1:
        node.name = r.string();
        break;
      case 2:
        node.op = r.string();
        break;
      case 3:
        node.inputs.push(r.string());
        break;
      case 4:
        node.device = r.string();
        break;
      case 5: {
        r.expect(wt, WireType.BYTES, 'NodeDef.attr');
        const [k, v] = readMapEntry(
          r,
          (e) => e.string(),
          (e) => decodeAttr(e.message()),
          { key: '', value: (): TfAttr => ({ kind: 'none' }) },
        );
        node.attr.set(k, v);
        break;
      }
      default:
        r.skip(wt);
    }
  });
  return node;
}

export function decodeGraphDef(r: ProtoReader): TfGraphDef {
  const graph: TfGraphDef = { nodes: [], producer: 0, functionNames: [], library: new Map() };
  r.forEach((field, wt) => {
    if (field === 1) {
      r.expect(wt, WireType.BYTES, 'GraphDef.node');
      graph.nodes.push(decodeNodeDef(r.message('NodeDef')));
    } else if (field === 4) {
      const versions = r.message();
      versions.forEach((f, w) => {
        if (f === 1) graph.producer = versions.varint();
        else versions.skip(w);
      });
    } else if (field === 2) {
      r.expect(wt, WireType.BYTES, 'GraphDef.library');
      decodeFunctionLibrary(r.message('FunctionDefLibrary'), graph.library);
      graph.functionNames = [...graph.library.keys()];
    } else r.skip(wt);
  });
  return graph;
}
