/**
 * UFF's protobuf messages (package `uff`), decoded by field number as described in
 * docs/uff-format.md: MetaGraph → Graph → Node, with field values in the `Data` oneof.
 */
import { type ProtoReader, readMapEntry, WireType } from '@kiln-inference/tf-graph';

export type UffData =
  | { kind: 's'; value: string }
  | { kind: 's_list'; value: string[] }
  | { kind: 'd'; value: number }
  | { kind: 'd_list'; value: number[] }
  | { kind: 'b'; value: boolean }
  | { kind: 'b_list'; value: boolean[] }
  | { kind: 'i'; value: number }
  | { kind: 'i_list'; value: number[] }
  | { kind: 'blob'; value: Uint8Array }
  | { kind: 'ref'; value: string }
  | { kind: 'dtype'; value: number }
  | { kind: 'dtype_list'; value: number[] }
  /** OrderEnum key → dimension list. */
  | { kind: 'dim_orders'; value: Map<number, number[]> }
  | { kind: 'dim_orders_list'; value: Map<number, number[]>[] }
  | { kind: 'none' };

export interface UffNode {
  id: string;
  inputs: string[];
  operation: string;
  fields: Map<string, UffData>;
}

export interface UffGraph {
  id: string;
  nodes: UffNode[];
}

export interface UffMetaGraph {
  version: number;
  descriptors: { id: string; version: number }[];
  graphs: UffGraph[];
  referencedData: Map<string, UffData>;
}

/** Reads the `val` list of a ListString/ListDouble/… message. */
function readList<T>(r: ProtoReader, one: (r: ProtoReader) => T): T[] {
  const out: T[] = [];
  const m = r.message();
  m.forEach((field, wt) => {
    if (field === 1) m.repeated(wt, one, out);
    else m.skip(wt);
  });
  return out;
}

function readDimOrders(r: ProtoReader): Map<number, number[]> {
  const orders = new Map<number, number[]>();
  r.forEach((field, wt) => {
    if (field !== 1) {
      r.skip(wt);
      return;
    }
    const [k, v] = readMapEntry(
      r,
      (e) => e.int32(),
      (e) => readList(e, (x) => x.varint()),
      { key: 0, value: () => [] },
    );
    orders.set(k, v);
  });
  return orders;
}

export function decodeData(r: ProtoReader): UffData {
  let data: UffData = { kind: 'none' };
  r.forEach((field, wt) => {
    switch (field) {
      case 1:
        data = { kind: 's', value: r.string() };
        break;
      case 2:
        data = { kind: 's_list', value: readList(r, (x) => x.string()) };
        break;
      case 3:
        r.expect(wt, WireType.FIXED64, 'Data.d');
        data = { kind: 'd', value: r.double() };
        break;
      case 4:
        data = { kind: 'd_list', value: readList(r, (x) => x.double()) };
        break;
      case 5:
        data = { kind: 'b', value: r.bool() };
        break;
      case 6:
        data = { kind: 'b_list', value: readList(r, (x) => x.bool()) };
        break;
      case 7:
        data = { kind: 'i', value: r.varint() };
        break;
      case 8:
        data = { kind: 'i_list', value: readList(r, (x) => x.varint()) };
        break;
      case 9:
        data = { kind: 'blob', value: r.bytesField() };
        break;
      case 100:
        data = { kind: 'ref', value: r.string() };
        break;
      case 101:
        data = { kind: 'dtype', value: r.int32() };
        break;
      case 102:
        data = { kind: 'dtype_list', value: readList(r, (x) => x.int32()) };
        break;
      case 103:
        data = { kind: 'dim_orders', value: readDimOrders(r.message()) };
        break;
      case 104: {
        const list = r.message();
        const all: Map<number, number[]>[] = [];
        list.forEach((f, w) => {
          if (f === 1) all.push(readDimOrders(list.message()));
          else list.skip(w);
        });
        data = { kind: 'dim_orders_list', value: all };
        break;
      }
      default:
        r.skip(wt);
    }
  });
  return data;
}

function readDataMapEntry(r: ProtoReader, into: Map<string, UffData>): void {
  const [k, v] = readMapEntry(
    r,
    (e) => e.string(),
    (e) => decodeData(e.message()),
    { key: '', value: (): UffData => ({ kind: 'none' }) },
  );
  into.set(k, v);
}

function decodeNode(r: ProtoReader): UffNode {
  const node: UffNode = { id: '', inputs: [], operation: '', fields: new Map() };
  r.forEach((field, wt) => {
    if (field === 1) node.id = r.string();
    else if (field === 2) node.inputs.push(r.string());
    else if (field === 3) node.operation = r.string();
    else if (field === 4) readDataMapEntry(r, node.fields);
    else r.skip(wt);
  });
  return node;
}

function decodeGraph(r: ProtoReader): UffGraph {
  const graph: UffGraph = { id: '', nodes: [] };
  r.forEach((field, wt) => {
    if (field === 1) graph.id = r.string();
    else if (field === 2) {
      r.expect(wt, WireType.BYTES, 'Graph.nodes');
      graph.nodes.push(decodeNode(r.message('UFF Node')));
    } else r.skip(wt);
  });
  return graph;
}

export function decodeMetaGraph(r: ProtoReader): UffMetaGraph {
  const mg: UffMetaGraph = { version: 0, descriptors: [], graphs: [], referencedData: new Map() };
  r.forEach((field, wt) => {
    if (field === 1) mg.version = r.varint();
    else if (field === 3) {
      const d = r.message();
      const desc = { id: '', version: 0 };
      d.forEach((f, w) => {
        if (f === 1) desc.id = d.string();
        else if (f === 2) desc.version = d.varint();
        else d.skip(w);
      });
      mg.descriptors.push(desc);
    } else if (field === 4) {
      r.expect(wt, WireType.BYTES, 'MetaGraph.graphs');
      mg.graphs.push(decodeGraph(r.message('UFF Graph')));
    } else if (field === 5) {
      r.expect(wt, WireType.BYTES, 'MetaGraph.referenced_data');
      readDataMapEntry(r, mg.referencedData);
    } else r.skip(wt);
  });
  return mg;
}
