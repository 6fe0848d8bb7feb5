/**
 * SavedModel: a folder. saved_model.pb is mutated at the field level (its GraphDef and its
 * signatures), variables.index and the data shard at the byte level, and shards go missing or
 * get renamed. Seed: the corpus' half_plus_two.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { loadSavedModel } from '@kiln-inference/tf-graph';
import { corpusDir } from '../corpus.js';
import type { FuzzCase } from '../fuzz-case.js';
import { type HotPath, mutateProtoTree, renameTo } from '../mutate/aimed.js';
import { mutateBytes } from '../mutate/bytes.js';
import { encodeWire, parseWire, type WireMessage } from '../mutate/protobuf-wire.js';
import { buildAndRun, withLimits } from '../pipeline.js';
import type { Rng } from '../prng.js';
import type { GeneratedCase, Target } from '../target.js';
import { writeCaseFiles } from '../target.js';
import { GRAPHDEF_HOT } from './graphdef.js';

const SUB = 'tf/savedmodel/half_plus_two/00000123';
const INDEX = 'variables/variables.index';
const DATA = 'variables/variables.data-00000-of-00001';

/** The MetaGraphDef's graph_def is field 2 of meta_graphs (2); signatures are field 5. */
const HOT: HotPath[] = [
  ...GRAPHDEF_HOT.map((h) => ({ ...h, path: [2, 2, ...h.path] })),
  { path: [2, 5, 2, 1, 2, 1], what: 'signature input tensor name', edit: renameTo(['', 'x:0', 'missing:0', 'x:7', 'y']) },
  { path: [2, 5, 2, 2, 2, 1], what: 'signature output tensor name', edit: renameTo(['', 'y:0', 'missing:0', 'x:0']) },
  { path: [2, 5, 2, 1, 2, 3, 2, 1], what: 'signature input dim' },
  { path: [2, 5, 2, 1, 2, 2], what: 'signature input dtype' },
  { path: [2, 1, 4], what: 'tags', edit: renameTo(['', 'train', 'serve']) },
];

let seed: { pb: WireMessage; index: Uint8Array; data: Uint8Array } | undefined;

function loadSeed(): typeof seed {
  if (seed) return seed;
  const dir = corpusDir(SUB);
  if (!dir) return undefined;
  seed = {
    pb: parseWire(new Uint8Array(readFileSync(join(dir, 'saved_model.pb'))))!,
    index: new Uint8Array(readFileSync(join(dir, INDEX))),
    data: new Uint8Array(readFileSync(join(dir, DATA))),
  };
  return seed;
}

export const savedmodelTarget: Target = {
  name: 'savedmodel',
  unavailable: () => (loadSeed() ? undefined : `no corpus at ${SUB} (set KILN_CORPUS)`),
  async generate(rng: Rng): Promise<GeneratedCase> {
    const s = loadSeed()!;
    const files: Record<string, Uint8Array> = { 'saved_model.pb': encodeWire(s.pb), [INDEX]: s.index, [DATA]: s.data };
    const what = rng.weighted([
      [50, 'pb'],
      [15, 'index'],
      [10, 'data'],
      [8, 'missing-shard'],
      [5, 'renamed-shard'],
      [5, 'missing-index'],
      [7, 'pb-bytes'],
    ] as const);
    switch (what) {
      case 'pb': {
        const { tree, note, invalid } = mutateProtoTree(rng, s.pb, HOT);
        files['saved_model.pb'] = encodeWire(tree);
        return { files, note: `saved_model.pb: ${note}`, ...(invalid ? { invalid } : {}) };
      }
      case 'pb-bytes':
        files['saved_model.pb'] = mutateBytes(rng, files['saved_model.pb']!);
        return { files, note: 'saved_model.pb: byte-level damage' };
      case 'index':
        files[INDEX] = mutateBytes(rng, s.index);
        return { files, note: 'variables.index: byte-level damage' };
      case 'data': {
        const data = mutateBytes(rng, s.data);
        files[DATA] = data;
        const short = data.length < s.data.length;
        return {
          files,
          note: `data shard: byte-level damage (${s.data.length} → ${data.length} bytes)`,
          ...(short ? { invalid: `data-short: the data shard lost ${s.data.length - data.length} bytes its index points at` } : {}),
        };
      }
      case 'missing-shard':
        delete files[DATA];
        return { files, note: 'data shard deleted', invalid: 'missing-shard: variables.index names a data shard that is not there' };
      case 'renamed-shard':
        delete files[DATA];
        files['variables/variables.data-00000-of-00002'] = s.data;
        return { files, note: 'data shard renamed', invalid: 'missing-shard: the data shard has another name than the index says' };
      case 'missing-index':
        delete files[INDEX];
        // Not invalid by itself: a signature that reads no variable runs without a checkpoint.
        return { files, note: 'variables.index deleted' };
    }
  },
  async execute(c: FuzzCase, rng: Rng): Promise<void> {
    const dir = writeCaseFiles(c);
    const { graph } = await loadSavedModel(dir, withLimits({}));
    await buildAndRun(convertGraph(graph, createTfRegistry()), rng);
  },
};
