/**
 * TensorFlow frozen GraphDef: attribute values (num_split-style counts, list ints, types),
 * shapes, tensor contents and wiring mutated at the field level, plus byte damage. Seeds: small
 * graphs written in code and the corpus' small regression graph.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { importGraphDef } from '@kiln-inference/tf-graph';
import { corpusDir } from '../corpus.js';
import type { FuzzCase } from '../fuzz-case.js';
import { type HotPath, mutateProtoTree, renameTo, truncateData } from '../mutate/aimed.js';
import { mutateBytes } from '../mutate/bytes.js';
import { encodeWire, parseWire, type WireMessage } from '../mutate/protobuf-wire.js';
import { buildAndRun, withLimits } from '../pipeline.js';
import type { Rng } from '../prng.js';
import { graphDefSeeds, GRAPHDEF_HOT_PATHS as P } from '../seeds/tf-graphdefs.js';
import type { GeneratedCase, Target } from '../target.js';

const NAMES = ['', 'x', 'w', 'missing', 'split:7', 'x:99999', '^x', 'y'];

export const GRAPHDEF_HOT: HotPath[] = [
  { path: [...P.attrInt], what: 'attr i' },
  { path: [...P.attrListInts], what: 'attr list ints' },
  { path: [...P.attrType], what: 'attr type' },
  { path: [...P.shapeDim], what: 'shape dim' },
  { path: [...P.tensorDtype], what: 'tensor dtype' },
  { path: [...P.tensorDim], what: 'tensor dim' },
  { path: [...P.tensorContent], what: 'tensor_content', edit: truncateData('tensor_content') },
  { path: [...P.input], what: 'node input', edit: renameTo(NAMES) },
  { path: [...P.op], what: 'op', edit: renameTo(['', 'Split', 'SplitV', 'Unpack', 'Fill', 'Range', 'While', 'NoSuchOp', 'Tile']) },
  { path: [...P.producer], what: 'producer' },
];

let seeds: { name: string; tree: WireMessage }[] | undefined;

function loadSeeds(): { name: string; tree: WireMessage }[] {
  if (seeds) return seeds;
  seeds = graphDefSeeds().map((s) => ({ name: `code:${s.name}`, tree: s.tree }));
  const dir = corpusDir('tf/frozen');
  if (dir) {
    const tree = parseWire(new Uint8Array(readFileSync(join(dir, 'tf2onnx-regression-graphdef-frozen.pb'))));
    if (tree) seeds.push({ name: 'corpus:tf2onnx-regression', tree });
  }
  return seeds;
}

export const graphdefTarget: Target = {
  name: 'graphdef',
  async generate(rng: Rng): Promise<GeneratedCase> {
    const seed = rng.pick(loadSeeds());
    if (rng.chance(0.15))
      return { files: { 'model.pb': mutateBytes(rng, encodeWire(seed.tree)) }, note: `${seed.name}: byte-level damage` };
    const { tree, note, invalid } = mutateProtoTree(rng, seed.tree, GRAPHDEF_HOT);
    return { files: { 'model.pb': encodeWire(tree) }, note: `${seed.name}: ${note}`, ...(invalid ? { invalid } : {}) };
  },
  async execute(c: FuzzCase, rng: Rng): Promise<void> {
    const graph = importGraphDef(c.files['model.pb']!, withLimits({}));
    await buildAndRun(convertGraph(graph, createTfRegistry()), rng);
  },
};
