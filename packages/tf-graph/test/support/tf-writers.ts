/**
 * Test-only encoders for what the control-flow tests write by hand: GraphDefs with a
 * FunctionDefLibrary, function and type-list attributes, SavedModel folders (saved_model.pb
 * with an object graph, a checkpoint index SSTable and its data shard). Built on the field
 * writer in ../proto-writer.ts; every field number is the one the .proto files give.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtoWriter } from '@kiln-inference/testkit';
import { type TensorSpec, writeTensor } from '../proto-writer.js';

export type Attr =
  | { s: string }
  | { i: number }
  | { f: number }
  | { b: boolean }
  | { type: number }
  | { shape: number[] | null }
  | { tensor: TensorSpec }
  | { types: number[] }
  | { func: string };

export interface Node {
  name: string;
  op: string;
  inputs?: string[];
  attrs?: Record<string, Attr>;
}

function writeShape(w: ProtoWriter, dims: number[] | null): void {
  if (dims === null) w.int(3, 1);
  else for (const d of dims) w.message(2, (dim) => dim.int(1, d));
}

function writeAttr(w: ProtoWriter, a: Attr): void {
  if ('s' in a) w.string(2, a.s);
  else if ('i' in a) w.int(3, a.i);
  else if ('f' in a) w.float(4, a.f);
  else if ('b' in a) w.int(5, a.b ? 1 : 0);
  else if ('type' in a) w.int(6, a.type);
  else if ('shape' in a) w.message(7, (s) => writeShape(s, a.shape));
  else if ('tensor' in a) w.message(8, (t) => writeTensor(t, a.tensor));
  else if ('types' in a) w.message(1, (l) => l.packed(6, a.types));
  else w.message(10, (f) => f.string(1, a.func));
}

export function writeNodeDef(w: ProtoWriter, n: Node): void {
  w.string(1, n.name).string(2, n.op);
  for (const i of n.inputs ?? []) w.string(3, i);
  for (const [k, v] of Object.entries(n.attrs ?? {})) w.message(5, (e) => e.string(1, k).message(2, (a) => writeAttr(a, v)));
}

export interface FunctionSpec {
  name: string;
  inputs: [string, number][];
  outputs: [string, number][];
  nodes: Node[];
  /** output name → `node:output_arg:index` or an input name */
  ret: Record<string, string>;
}

function writeFunction(w: ProtoWriter, f: FunctionSpec): void {
  w.message(1, (sig) => {
    sig.string(1, f.name);
    for (const [name, type] of f.inputs) sig.message(2, (a) => a.string(1, name).int(3, type));
    for (const [name, type] of f.outputs) sig.message(3, (a) => a.string(1, name).int(3, type));
  });
  for (const n of f.nodes) w.message(3, (nw) => writeNodeDef(nw, n));
  for (const [k, v] of Object.entries(f.ret)) w.message(4, (e) => e.string(1, k).string(2, v));
}

function writeGraphDef(w: ProtoWriter, nodes: Node[], functions: FunctionSpec[]): void {
  for (const n of nodes) w.message(1, (nw) => writeNodeDef(nw, n));
  if (functions.length) {
    w.message(2, (lib) => {
      for (const f of functions) lib.message(1, (fw) => writeFunction(fw, f));
    });
  }
  w.message(4, (v) => v.int(1, 1205));
}

export function graphDefWithLibrary(nodes: Node[], functions: FunctionSpec[] = []): Uint8Array {
  const w = new ProtoWriter();
  writeGraphDef(w, nodes, functions);
  return w.finish();
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** A checkpoint index: one uncompressed data block, an index block and the footer. */
function sstable(entries: [string, Uint8Array][]): Uint8Array {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const block = (items: [string, Uint8Array][]): Uint8Array => {
    const parts: Uint8Array[] = [];
    for (const [k, v] of items) {
      const key = new TextEncoder().encode(k);
      parts.push(new ProtoWriter().varint(0).varint(key.length).varint(v.length).finish(), key, v);
    }
    // One restart point at offset 0, then the restart count.
    parts.push(new Uint8Array(new Uint32Array([0, 1]).buffer));
    return concat(parts);
  };
  const data = block(sorted);
  const trailer = new Uint8Array(5);
  const handle = (offset: number, size: number) => new ProtoWriter().varint(offset).varint(size).finish();
  const index = block([[sorted[sorted.length - 1]![0], handle(0, data.length)]]);
  const indexOffset = data.length + 5;
  const footer = new Uint8Array(48);
  footer.set(concat([handle(0, 0), handle(indexOffset, index.length)]));
  new DataView(footer.buffer).setBigUint64(40, 0xdb4775248b80fb57n, true);
  const out = new Uint8Array(data.length + 5 + index.length + 5 + 48);
  out.set(data);
  out.set(trailer, data.length);
  out.set(index, indexOffset);
  out.set(footer, indexOffset + index.length + 5);
  return out;
}

export interface Variable {
  /** Path of local names from the root object, e.g. ['layer_with_weights-0', 'kernel']. */
  path: string[];
  /** The variable's own name (VarHandleOp shared_name). */
  name: string;
  shape: number[];
  values: number[];
}

export interface SavedModelSpec {
  nodes: Node[];
  functions: FunctionSpec[];
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  variables: Variable[];
}

/** The object graph: a tree of children by local name, variables at the leaves. */
function writeObjectGraph(w: ProtoWriter, variables: Variable[]): void {
  interface Obj {
    children: Map<string, number>;
    variable?: Variable;
  }
  const objs: Obj[] = [{ children: new Map() }];
  for (const v of variables) {
    let at = 0;
    v.path.forEach((part, i) => {
      let id = objs[at]!.children.get(part);
      if (id === undefined) {
        id = objs.push({ children: new Map(), ...(i === v.path.length - 1 ? { variable: v } : {}) }) - 1;
        objs[at]!.children.set(part, id);
      }
      at = id;
    });
  }
  for (const o of objs) {
    w.message(1, (so) => {
      for (const [local, id] of o.children) so.message(1, (ref) => ref.int(1, id).string(2, local));
      if (o.variable) so.message(7, (sv) => sv.int(1, 1).string(6, o.variable!.name));
    });
  }
}

export function writeSavedModel(dir: string, spec: SavedModelSpec): void {
  mkdirSync(join(dir, 'variables'), { recursive: true });
  const w = new ProtoWriter();
  w.int(1, 1);
  w.message(2, (mg) => {
    mg.message(1, (info) => info.string(4, 'serve').string(5, '2.15.0'));
    mg.message(2, (g) => writeGraphDef(g, spec.nodes, spec.functions));
    mg.message(5, (e) =>
      e.string(1, 'serving_default').message(2, (sig) => {
        for (const [k, name] of Object.entries(spec.inputs))
          sig.message(1, (m) => m.string(1, k).message(2, (ti) => ti.string(1, name).int(2, 1)));
        for (const [k, name] of Object.entries(spec.outputs))
          sig.message(2, (m) => m.string(1, k).message(2, (ti) => ti.string(1, name).int(2, 1)));
        sig.string(3, 'tensorflow/serving/predict');
      }),
    );
    mg.message(7, (og) => writeObjectGraph(og, spec.variables));
  });
  writeFileSync(join(dir, 'saved_model.pb'), w.finish());

  const shard: number[] = [];
  const entries: [string, Uint8Array][] = [['', new ProtoWriter().int(1, 1).finish()]];
  for (const v of spec.variables) {
    const bytes = new Uint8Array(new Float32Array(v.values).buffer);
    const key = `${v.path.map((p) => p.replace(/\./g, '..').replace(/\//g, '.S')).join('/')}/.ATTRIBUTES/VARIABLE_VALUE`;
    const entry = new ProtoWriter()
      .int(1, 1)
      .message(2, (s) => writeShape(s, v.shape))
      .int(3, 0)
      .int(4, shard.length)
      .int(5, bytes.length)
      .finish();
    entries.push([key, entry]);
    shard.push(...bytes);
  }
  // TF2 checkpoints also hold the object graph itself as a string tensor.
  const og = new ProtoWriter();
  writeObjectGraph(og, spec.variables);
  const graphBytes = og.finish();
  entries.push([
    '_CHECKPOINTABLE_OBJECT_GRAPH',
    new ProtoWriter()
      .int(1, 7)
      .message(2, () => {})
      .int(3, 0)
      .int(4, shard.length)
      .int(5, graphBytes.length + 1)
      .finish(),
  ]);
  shard.push(graphBytes.length, ...graphBytes);
  writeFileSync(join(dir, 'variables', 'variables.index'), sstable(entries));
  writeFileSync(join(dir, 'variables', 'variables.data-00000-of-00001'), Uint8Array.from(shard));
}
