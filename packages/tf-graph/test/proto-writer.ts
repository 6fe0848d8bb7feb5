/**
 * GraphDef / TensorProto bytes for tests, written field by field with testkit's ProtoWriter.
 */
import { ProtoWriter } from '@kiln-inference/testkit';

export const DT = { FLOAT: 1, INT32: 3, INT64: 9, BOOL: 10, HALF: 19, STRING: 7, RESOURCE: 20 } as const;

export interface TensorSpec {
  dtype: number;
  shape: number[];
  content?: Uint8Array;
  floatVal?: number[];
  intVal?: number[];
  int64Val?: number[];
  boolVal?: boolean[];
  halfVal?: number[];
  stringVal?: string[];
}

export type AttrSpec =
  | { s: string }
  | { i: number }
  | { f: number }
  | { b: boolean }
  | { type: number }
  | { shape: number[] | null }
  | { tensor: TensorSpec }
  | { ints: number[] }
  | { strings: string[] };

export interface NodeSpec {
  name: string;
  op: string;
  inputs?: string[];
  attrs?: Record<string, AttrSpec>;
}

function writeShape(w: ProtoWriter, dims: number[] | null): void {
  if (dims === null) {
    w.int(3, 1);
    return;
  }
  for (const d of dims) w.message(2, (dim) => dim.int(1, d));
}

export function writeTensor(w: ProtoWriter, t: TensorSpec): void {
  w.int(1, t.dtype);
  w.message(2, (s) => writeShape(s, t.shape));
  if (t.content) w.bytes(4, t.content);
  if (t.floatVal) w.packedFloats(5, t.floatVal);
  if (t.intVal) w.packed(7, t.intVal);
  for (const s of t.stringVal ?? []) w.string(8, s);
  if (t.int64Val) w.packed(10, t.int64Val);
  if (t.boolVal) w.packed(11, t.boolVal.map(Number));
  if (t.halfVal) w.packed(13, t.halfVal);
}

function writeAttr(w: ProtoWriter, a: AttrSpec): void {
  if ('s' in a) w.string(2, a.s);
  else if ('i' in a) w.int(3, a.i);
  else if ('f' in a) w.float(4, a.f);
  else if ('b' in a) w.int(5, a.b ? 1 : 0);
  else if ('type' in a) w.int(6, a.type);
  else if ('shape' in a) w.message(7, (s) => writeShape(s, a.shape));
  else if ('tensor' in a) w.message(8, (t) => writeTensor(t, a.tensor));
  else if ('ints' in a) w.message(1, (l) => l.packed(3, a.ints));
  else {
    w.message(1, (l) => {
      for (const s of a.strings) l.string(2, s);
    });
  }
}

export function writeNode(w: ProtoWriter, n: NodeSpec): void {
  w.string(1, n.name).string(2, n.op);
  for (const i of n.inputs ?? []) w.string(3, i);
  for (const [k, v] of Object.entries(n.attrs ?? {})) w.message(5, (e) => e.string(1, k).message(2, (a) => writeAttr(a, v)));
}

export function graphDefBytes(nodes: NodeSpec[], producer = 27): Uint8Array {
  const w = new ProtoWriter();
  for (const n of nodes) w.message(1, (nw) => writeNode(nw, n));
  w.message(4, (v) => v.int(1, producer));
  return w.finish();
}

export function constNode(name: string, tensor: TensorSpec): NodeSpec {
  return { name, op: 'Const', attrs: { dtype: { type: tensor.dtype }, value: { tensor } } };
}

export function placeholder(name: string, shape: number[] | null, dtype: number = DT.FLOAT): NodeSpec {
  return { name, op: 'Placeholder', attrs: { dtype: { type: dtype }, shape: { shape } } };
}
