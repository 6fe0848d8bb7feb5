/**
 * Small TensorFlow GraphDefs written field by field (graph.proto numbers), so the GraphDef,
 * SavedModel and TF.js fuzzers start from models that import and run in milliseconds.
 */
import { message, pb, type WireField, type WireMessage } from '../mutate/protobuf-wire.js';

export const DT_FLOAT = 1;
export const DT_INT32 = 3;

const attr = (key: string, value: WireField[]): WireField => pb.msg(5, pb.str(1, key), pb.msg(2, ...value));
const shapeProto = (no: number, dims: number[]): WireField => pb.msg(no, ...dims.map((d) => pb.msg(2, pb.varint(1, d))));
const typeAttr = (key: string, dtype: number) => attr(key, [pb.varint(6, dtype)]);

function floatBytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n * 4);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < n; i++) dv.setFloat32(i * 4, Math.sin(i + seed), true);
  return b;
}

function int32Bytes(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const dv = new DataView(b.buffer);
  for (const [i, v] of values.entries()) dv.setInt32(i * 4, v, true);
  return b;
}

function nodeDef(name: string, op: string, inputs: string[], attrs: WireField[]): WireField {
  return pb.msg(1, pb.str(1, name), pb.str(2, op), ...inputs.map((i) => pb.str(3, i)), ...attrs);
}

const placeholder = (name: string, dims: number[]) =>
  nodeDef(name, 'Placeholder', [], [typeAttr('dtype', DT_FLOAT), attr('shape', [shapeProto(7, dims)])]);

function floatConst(name: string, dims: number[], seed = 1): WireField {
  const n = dims.reduce((a, b) => a * b, 1);
  return nodeDef(
    name,
    'Const',
    [],
    [
      typeAttr('dtype', DT_FLOAT),
      attr('value', [pb.msg(8, pb.varint(1, DT_FLOAT), shapeProto(2, dims), pb.bytes(4, floatBytes(n, seed)))]),
    ],
  );
}

function intConst(name: string, values: number[], scalar = false): WireField {
  return nodeDef(
    name,
    'Const',
    [],
    [
      typeAttr('dtype', DT_INT32),
      attr('value', [pb.msg(8, pb.varint(1, DT_INT32), shapeProto(2, scalar ? [] : [values.length]), pb.bytes(4, int32Bytes(values)))]),
    ],
  );
}

const T = typeAttr('T', DT_FLOAT);
const versions = pb.msg(4, pb.varint(1, 27));

function graphDef(...nodes: WireField[]): { tree: WireMessage } {
  return { tree: message(...nodes, versions) };
}

/** name → GraphDef tree. */
export function graphDefSeeds(): { name: string; tree: WireMessage }[] {
  const ints = (key: string, values: number[]) => attr(key, [pb.msg(1, pb.packed(3, values))]);
  const str = (key: string, s: string) => attr(key, [pb.str(2, s)]);
  return [
    {
      ...graphDef(
        placeholder('x', [-1, 4]),
        floatConst('w', [4, 3]),
        floatConst('b', [3], 2),
        nodeDef('mm', 'MatMul', ['x', 'w'], [T]),
        nodeDef('ba', 'BiasAdd', ['mm', 'b'], [T]),
        nodeDef('relu', 'Relu', ['ba'], [T]),
        nodeDef('y', 'Softmax', ['relu'], [T]),
      ),
      name: 'mlp',
    },
    {
      ...graphDef(
        placeholder('x', [6, 4]),
        intConst('axis', [0], true),
        nodeDef('split', 'Split', ['axis', 'x'], [T, attr('num_split', [pb.varint(3, 3)])]),
        intConst('caxis', [0], true),
        nodeDef('y', 'ConcatV2', ['split:2', 'split:0', 'split:1', 'caxis'], [T, attr('N', [pb.varint(3, 3)]), typeAttr('Tidx', DT_INT32)]),
      ),
      name: 'split-concat',
    },
    {
      ...graphDef(
        placeholder('x', [1, 5, 5, 2]),
        floatConst('w', [3, 3, 2, 4]),
        nodeDef('conv', 'Conv2D', ['x', 'w'], [T, ints('strides', [1, 1, 1, 1]), str('padding', 'SAME'), str('data_format', 'NHWC')]),
        nodeDef('pool', 'MaxPool', ['conv'], [T, ints('ksize', [1, 2, 2, 1]), ints('strides', [1, 2, 2, 1]), str('padding', 'VALID')]),
        intConst('shape', [-1, 16]),
        nodeDef('y', 'Reshape', ['pool', 'shape'], [T, typeAttr('Tshape', DT_INT32)]),
      ),
      name: 'cnn',
    },
    {
      ...graphDef(
        placeholder('x', [2, 6]),
        intConst('shape', [3, 4]),
        nodeDef('r', 'Reshape', ['x', 'shape'], [T, typeAttr('Tshape', DT_INT32)]),
        intConst('perm', [1, 0]),
        nodeDef('y', 'Transpose', ['r', 'perm'], [T, typeAttr('Tperm', DT_INT32)]),
      ),
      name: 'reshape-transpose',
    },
    {
      ...graphDef(
        placeholder('x', [2, 3]),
        intConst('paddings', [1, 1, 0, 2]),
        nodeDef('pad', 'Pad', ['x', 'paddings'], [T, typeAttr('Tpaddings', DT_INT32)]),
        intConst('axes', [1]),
        nodeDef('y', 'Mean', ['pad', 'axes'], [T, typeAttr('Tidx', DT_INT32), attr('keep_dims', [pb.varint(5, 1)])]),
      ),
      name: 'pad-mean',
    },
  ];
}

/** Field paths (GraphDef numbers) worth aiming at. */
export const GRAPHDEF_HOT_PATHS = {
  attrInt: [1, 5, 2, 3],
  attrListInts: [1, 5, 2, 1, 3],
  attrType: [1, 5, 2, 6],
  shapeDim: [1, 5, 2, 7, 2, 1],
  tensorDtype: [1, 5, 2, 8, 1],
  tensorDim: [1, 5, 2, 8, 2, 2, 1],
  tensorContent: [1, 5, 2, 8, 4],
  input: [1, 3],
  op: [1, 2],
  producer: [4, 1],
} as const;
