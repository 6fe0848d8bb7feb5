/**
 * UFF: the MetaGraph mutated at the field level (node fields, operations, wiring, referenced
 * weight blobs and dimension orders) and at the byte level. Seed: the corpus' TensorRT LeNet-5.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createUffRegistry } from '@kiln-inference/converters';
import { importUff } from '@kiln-inference/uff';
import { corpusDir } from '../corpus.js';
import type { FuzzCase } from '../fuzz-case.js';
import { type HotPath, mutateProtoTree, renameTo, truncateData } from '../mutate/aimed.js';
import { mutateBytes } from '../mutate/bytes.js';
import { encodeWire, parseWire, type WireMessage } from '../mutate/protobuf-wire.js';
import { buildAndRun, withLimits } from '../pipeline.js';
import type { Rng } from '../prng.js';
import type { GeneratedCase, Target } from '../target.js';

/** MetaGraph.graphs (4) → Graph.nodes (2) → Node.fields (4) → map value (2) → Data. */
const DATA = [4, 2, 4, 2];
const HOT: HotPath[] = [
  { path: [...DATA, 7], what: 'node field i' },
  { path: [...DATA, 8], what: 'node field i_list' },
  { path: [...DATA, 8, 1], what: 'node field i_list values' },
  { path: [...DATA, 3], what: 'node field d' },
  { path: [...DATA, 101], what: 'node field dtype' },
  { path: [...DATA, 100], what: 'node field ref', edit: renameTo(['', 'missing', 'orders_N+C', 'weights_0']) },
  { path: [...DATA, 1], what: 'node field s', edit: renameTo(['', 'relu', 'max', 'avg', 'sigmoid', 'nosuch', 'NCHW']) },
  { path: [4, 2, 3], what: 'operation', edit: renameTo(['', 'Input', 'Const', 'Conv', 'Pool', 'Reshape', 'MarkOutput', '_NoSuchPlugin']) },
  { path: [4, 2, 2], what: 'node input', edit: renameTo(['', 'in', 'missing', 'out']) },
  { path: [4, 2, 1], what: 'node id', edit: renameTo(['', 'in', 'out', 'dup']) },
  { path: [5, 2, 9], what: 'referenced blob', edit: truncateData('referenced weight blob') },
  { path: [5, 2, 8, 1], what: 'referenced i_list' },
  { path: [1], what: 'version' },
];

const SEED_FILE = 'tensorrt-sample-lenet5.uff';
let seed: WireMessage | undefined;

function loadSeed(): WireMessage | undefined {
  if (seed) return seed;
  const dir = corpusDir('uff');
  if (!dir) return undefined;
  seed = parseWire(new Uint8Array(readFileSync(join(dir, SEED_FILE))));
  return seed;
}

export const uffTarget: Target = {
  name: 'uff',
  unavailable: () => (loadSeed() ? undefined : `no corpus UFF model (uff/${SEED_FILE}; set KILN_CORPUS)`),
  async generate(rng: Rng): Promise<GeneratedCase> {
    const tree = loadSeed()!;
    if (rng.chance(0.1)) return { files: { 'model.uff': mutateBytes(rng, encodeWire(tree)) }, note: 'lenet5: byte-level damage' };
    const m = mutateProtoTree(rng, tree, HOT);
    return { files: { 'model.uff': encodeWire(m.tree) }, note: `lenet5: ${m.note}`, ...(m.invalid ? { invalid: m.invalid } : {}) };
  },
  async execute(c: FuzzCase, rng: Rng): Promise<void> {
    const graph = importUff(c.files['model.uff']!, withLimits({ inputShapes: { in: [1, 28, 28, 1] } }));
    await buildAndRun(convertGraph(graph, createUffRegistry()), rng);
  },
};
