/**
 * ONNX: ModelProto mutated at the field level (dims, dtypes, attributes, raw_data lengths,
 * external data references, subgraphs, node wiring, opsets) and at the byte level. Seeds are
 * small models built in code plus the tiny ONNX node-test models of the corpus.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { Graph, type GraphNode, Tensor, type ValueInfo } from '@kiln-inference/core';
import { exportOnnx, exportOnnxWithExternalData, importOnnx } from '@kiln-inference/onnx';
import { corpusDir } from '../corpus.js';
import type { FuzzCase } from '../fuzz-case.js';
import { type Aimed, type HotPath, mutateProtoTree, renameTo, truncateData } from '../mutate/aimed.js';
import { mutateBytes } from '../mutate/bytes.js';
import { encodeWire, parseWire, pb, type WireField, type WireMessage } from '../mutate/protobuf-wire.js';
import { buildAndRun, withLimits } from '../pipeline.js';
import type { Rng } from '../prng.js';
import { escapesFolder, type GeneratedCase, SECRET_NAME, type Target, writeCaseFiles } from '../target.js';

const f32 = (shape: number[], seed = 1) =>
  Tensor.fromValues(
    'float32',
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + seed)),
  );
const i64 = (values: number[]) => Tensor.fromValues('int64', [values.length], values.map(BigInt));
const tensorIn = (name: string, dtype: 'float32' | 'int64' | 'bool', shape: (number | string)[]): ValueInfo => ({
  name,
  type: { kind: 'tensor', dtype, shape },
});
const node = (op: string, inputs: string[], outputs: string[], attributes: GraphNode['attributes'] = {}): GraphNode => ({
  name: `${op}_${outputs[0]}`,
  op,
  domain: '',
  inputs,
  outputs,
  attributes,
});

function graph(
  name: string,
  nodes: GraphNode[],
  inputs: ValueInfo[],
  outputs: ValueInfo[],
  weights: [string, Tensor][] = [],
  opset = 17,
): Graph {
  return new Graph({
    format: 'onnx',
    name,
    nodes,
    inputs,
    outputs,
    weights: new Map(weights),
    opsetImports: [{ domain: '', version: opset }],
  });
}

/** Small models that exercise the importer's and builder's main paths (the plan target builds from them too). */
export function onnxCodeSeeds(): Graph[] {
  const ints = (value: number[]) => ({ kind: 'ints' as const, value });
  const int = (value: number) => ({ kind: 'int' as const, value });
  const branch = (name: string, op: string) =>
    graph(name, [node(op, ['x', 'one'], [`${name}_y`])], [], [tensorIn(`${name}_y`, 'float32', ['n', 4])], [['one', f32([1], 3)]]);
  return [
    graph(
      'add',
      [node('Add', ['x', 'w'], ['y'])],
      [tensorIn('x', 'float32', ['n', 4])],
      [tensorIn('y', 'float32', ['n', 4])],
      [['w', f32([4])]],
    ),
    graph(
      'mlp',
      [node('MatMul', ['x', 'w'], ['h']), node('Relu', ['h'], ['y'])],
      [tensorIn('x', 'float32', ['n', 4])],
      [tensorIn('y', 'float32', ['n', 3])],
      [['w', f32([4, 3])]],
    ),
    graph(
      'cnn',
      [
        node('Conv', ['x', 'w', 'b'], ['c'], { pads: ints([1, 1, 1, 1]), strides: ints([1, 1]), kernel_shape: ints([3, 3]) }),
        node('MaxPool', ['c'], ['p'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }),
        node('Flatten', ['p'], ['f']),
        node('Softmax', ['f'], ['y'], { axis: int(1) }),
      ],
      [tensorIn('x', 'float32', [1, 2, 5, 5])],
      [tensorIn('y', 'float32', [1, 12])],
      [
        ['w', f32([3, 2, 3, 3])],
        ['b', f32([3], 2)],
      ],
    ),
    graph(
      'reshape',
      [node('Reshape', ['x', 'shape'], ['r']), node('Transpose', ['r'], ['y'], { perm: ints([1, 0]) })],
      [tensorIn('x', 'float32', [2, 6])],
      [tensorIn('y', 'float32', [4, 3])],
      [['shape', i64([3, 4])]],
    ),
    graph(
      'constant-of-shape',
      [node('ConstantOfShape', ['shape'], ['c'], { value: { kind: 'tensor', value: f32([1]) } }), node('Add', ['x', 'c'], ['y'])],
      [tensorIn('x', 'float32', [2, 3])],
      [tensorIn('y', 'float32', [2, 3])],
      [['shape', i64([2, 3])]],
    ),
    graph(
      'split-concat',
      [
        node('Split', ['x'], ['a', 'b', 'c'], { axis: int(0), num_outputs: int(3) }),
        node('Concat', ['c', 'a', 'b'], ['y'], { axis: int(0) }),
      ],
      [tensorIn('x', 'float32', [6])],
      [tensorIn('y', 'float32', [6])],
      [],
      18,
    ),
    graph(
      'if',
      [
        node('If', ['cond'], ['y'], {
          then_branch: { kind: 'graph', value: branch('then', 'Add') },
          else_branch: { kind: 'graph', value: branch('else', 'Sub') },
        }),
      ],
      [tensorIn('cond', 'bool', []), tensorIn('x', 'float32', ['n', 4])],
      [tensorIn('y', 'float32', ['n', 4])],
    ),
    graph(
      'pad-slice',
      [node('Pad', ['x', 'pads'], ['p']), node('Slice', ['p', 'starts', 'ends', 'axes', 'steps'], ['y'])],
      [tensorIn('x', 'float32', [1, 1, 4, 4])],
      [tensorIn('y', 'float32', [1, 1, 3, 3])],
      [
        ['pads', i64([0, 0, 1, 1, 0, 0, 1, 1])],
        ['starts', i64([1, 1])],
        ['ends', i64([6, 6])],
        ['axes', i64([2, 3])],
        ['steps', i64([2, 2])],
      ],
    ),
    graph(
      'gather',
      [node('Gather', ['w', 'x'], ['y'], { axis: int(0) })],
      [tensorIn('x', 'int64', [2])],
      [tensorIn('y', 'float32', [2, 3])],
      [['w', f32([5, 3])]],
    ),
  ];
}

interface Seed {
  name: string;
  files: Record<string, Uint8Array>;
  tree: WireMessage;
}

let seeds: Seed[] | undefined;

const NAMES = ['', 'nonexistent', 'x', 'y', 'w', 'h', 'c'];

function loadSeeds(): Seed[] {
  if (seeds) return seeds;
  const out: Seed[] = [];
  for (const g of onnxCodeSeeds()) {
    const bytes = new Uint8Array(exportOnnx(g)); // a plain copy: the exporter may return a pooled Buffer
    out.push({ name: `code:${g.name}`, files: { 'model.onnx': bytes }, tree: parseWire(bytes)! });
  }
  // One seed keeps its weights in an external file, so location fields have something to point at.
  const ext = exportOnnxWithExternalData(onnxCodeSeeds()[1]!, { location: 'weights.bin', sizeThreshold: 0 });
  const extModel = new Uint8Array(ext.model);
  out.push({
    name: 'code:external-data',
    files: { 'model.onnx': extModel, 'weights.bin': new Uint8Array(ext.data) },
    tree: parseWire(extModel)!,
  });
  const nodeDir = corpusDir('onnx-backend/node');
  if (nodeDir) {
    // Every 12th small node-test model: a spread of ops without slowing each case down.
    const names = readdirSync(nodeDir).sort();
    names.forEach((name, i) => {
      if (i % 12 !== 0) return;
      const path = join(nodeDir, name, 'model.onnx');
      try {
        if (statSync(path).size > 4096) return;
        const bytes = new Uint8Array(readFileSync(path));
        const tree = parseWire(bytes);
        if (tree) out.push({ name: `corpus:${name}`, files: { 'model.onnx': bytes }, tree });
      } catch {
        // A node test without model.onnx is not a seed.
      }
    });
  }
  seeds = out;
  return out;
}

/** Field paths (ModelProto numbers) worth aiming at. */
const HOT_PATHS: HotPath[] = [
  { path: [7, 5, 1], what: 'initializer dims' },
  { path: [7, 5, 2], what: 'initializer data_type' },
  { path: [7, 5, 9], what: 'initializer raw_data', edit: truncateData('initializer raw_data') },
  { path: [7, 5, 13], what: 'external data entry', edit: externalLocation },
  { path: [7, 11, 2, 1, 2, 1, 1], what: 'input dim_value' },
  { path: [7, 11, 2, 1, 1], what: 'input elem_type' },
  { path: [7, 1, 5, 3], what: 'attribute i' },
  { path: [7, 1, 5, 8], what: 'attribute ints' },
  { path: [7, 1, 5, 5, 1], what: 'attribute tensor dims' },
  { path: [7, 1, 1], what: 'node input', edit: renameTo(NAMES) },
  { path: [7, 1, 2], what: 'node output', edit: renameTo(NAMES) },
  { path: [7, 1, 4], what: 'op_type', edit: renameTo(['', 'Loop', 'Scan', 'ConstantOfShape', 'Resize', 'NoSuchOp', 'Split', 'Range']) },
  { path: [8, 2], what: 'opset version' },
  { path: [1], what: 'ir_version' },
];

/** A StringStringEntryProto whose key is 'location': point it somewhere else. */
function externalLocation(rng: Rng, field: WireField): Aimed | undefined {
  if (field.wire !== 2 || !field.message) return undefined;
  const key = field.message.fields.find((f) => f.no === 1);
  if (key?.wire !== 2 || new TextDecoder().decode(key.value) !== 'location') return undefined;
  const ref = rng.pick([`../${SECRET_NAME}`, `sub/../../${SECRET_NAME}`, '/etc/hostname', 'missing.bin', 'weights.bin', '']);
  return {
    field: pb.msg(field.no, key, pb.str(2, ref)),
    note: `location = '${ref}'`,
    ...(escapesFolder(ref) ? { invalid: `path-escape: external data location '${ref}'` } : {}),
  };
}

export const onnxTarget: Target = {
  name: 'onnx',
  async generate(rng: Rng): Promise<GeneratedCase> {
    // Code seeds (one with external data) get half the cases; the many corpus seeds share the rest.
    const all = loadSeeds();
    const external = all.filter((x) => x.name === 'code:external-data');
    const code = all.filter((x) => x.name.startsWith('code:'));
    const corpus = all.filter((x) => x.name.startsWith('corpus:'));
    const seed = rng.pick(rng.chance(0.1) ? external : rng.chance(0.45) || corpus.length === 0 ? code : corpus);
    const files = { ...seed.files };
    if (rng.chance(0.15)) {
      const model = mutateBytes(rng, files['model.onnx']!);
      return { files: { ...files, 'model.onnx': model }, note: `${seed.name}: byte-level damage` };
    }
    const { tree, note, invalid } = mutateProtoTree(rng, seed.tree, HOT_PATHS);
    if (files['weights.bin'] && rng.chance(0.1)) files['weights.bin'] = mutateBytes(rng, files['weights.bin']!);
    return { files: { ...files, 'model.onnx': encodeWire(tree) }, note: `${seed.name}: ${note}`, ...(invalid ? { invalid } : {}) };
  },
  async execute(c: FuzzCase, rng: Rng): Promise<void> {
    const dir = writeCaseFiles(c);
    const graph = importOnnx(c.files['model.onnx']!, withLimits({ baseDir: dir }));
    const network = convertGraph(graph, createOnnxRegistry());
    await buildAndRun(network, rng);
  },
};
