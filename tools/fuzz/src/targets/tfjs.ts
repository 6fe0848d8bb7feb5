/**
 * TensorFlow.js graph models: model.json mutated as a JSON value (types, numbers, shapes,
 * dtypes, weight specs, shard paths including '../' and absolute ones) and the shard's bytes
 * damaged. Seeds: small graph models written in code.
 */
import { join } from 'node:path';
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { loadTfjsModel } from '@kiln-inference/tf-graph';
import type { FuzzCase } from '../fuzz-case.js';
import { mutateBytes } from '../mutate/bytes.js';
import { getAt, interestingNumber, type Json, mutateJson, setAt } from '../mutate/json.js';
import { buildAndRun, withLimits } from '../pipeline.js';
import type { Rng } from '../prng.js';
import { escapesFolder, type GeneratedCase, SECRET_NAME, type Target, writeCaseFiles } from '../target.js';

type NodeJson = { name: string; op: string; input?: string[]; attr?: Record<string, Json> };

const dims = (shape: number[]): Json => ({ dim: shape.map((d) => ({ size: String(d) })) });
const typeAttr = (t: string): Json => ({ type: t });
const placeholder = (name: string, shape: number[]): NodeJson => ({
  name,
  op: 'Placeholder',
  attr: { dtype: typeAttr('DT_FLOAT'), shape: { shape: dims(shape) } },
});
const konst = (name: string, dtype: string, shape: number[]): NodeJson => ({
  name,
  op: 'Const',
  attr: { dtype: typeAttr(dtype), value: { tensor: { dtype, tensorShape: dims(shape) } } },
});
const op = (name: string, kind: string, input: string[], attr: Record<string, Json> = {}): NodeJson => ({
  name,
  op: kind,
  input,
  attr: { T: typeAttr('DT_FLOAT'), ...attr },
});
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: number[];
}

function modelFiles(nodes: NodeJson[], weights: WeightSpec[], shards: number): Record<string, Uint8Array> {
  const bytes: number[] = [];
  for (const w of weights) {
    const b = new Uint8Array(w.values.length * 4);
    const dv = new DataView(b.buffer);
    for (const [i, v] of w.values.entries()) {
      if (w.dtype === 'float32') dv.setFloat32(i * 4, v, true);
      else dv.setInt32(i * 4, v, true);
    }
    bytes.push(...b);
  }
  const all = Uint8Array.from(bytes);
  const per = Math.ceil(all.length / shards);
  const files: Record<string, Uint8Array> = {};
  const paths: string[] = [];
  for (let s = 0; s < shards; s++) {
    const name = `group1-shard${s + 1}of${shards}.bin`;
    paths.push(name);
    files[name] = all.subarray(s * per, Math.min(all.length, (s + 1) * per));
  }
  const model = {
    format: 'graph-model',
    generatedBy: 'kiln-fuzz',
    modelTopology: { node: nodes, versions: { producer: 1482 } },
    weightsManifest: [{ paths, weights: weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
  };
  files['model.json'] = new TextEncoder().encode(JSON.stringify(model));
  return files;
}

const fill = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i + seed));

function seeds(): { name: string; files: Record<string, Uint8Array> }[] {
  return [
    {
      name: 'mlp',
      files: modelFiles(
        [
          placeholder('x', [-1, 4]),
          konst('w', 'DT_FLOAT', [4, 3]),
          konst('b', 'DT_FLOAT', [3]),
          op('mm', 'MatMul', ['x', 'w'], { transpose_a: { b: false }, transpose_b: { b: false } }),
          op('ba', 'BiasAdd', ['mm', 'b']),
          op('y', 'Relu', ['ba']),
        ],
        [
          { name: 'w', shape: [4, 3], dtype: 'float32', values: fill(12, 1) },
          { name: 'b', shape: [3], dtype: 'float32', values: fill(3, 2) },
        ],
        2,
      ),
    },
    {
      name: 'cnn',
      files: modelFiles(
        [
          placeholder('x', [1, 5, 5, 2]),
          konst('w', 'DT_FLOAT', [3, 3, 2, 4]),
          op('conv', 'Conv2D', ['x', 'w'], {
            strides: { list: { i: ['1', '1', '1', '1'] } },
            padding: { s: b64('SAME') },
            data_format: { s: b64('NHWC') },
            dilations: { list: { i: ['1', '1', '1', '1'] } },
          }),
          op('y', 'Relu', ['conv']),
        ],
        [{ name: 'w', shape: [3, 3, 2, 4], dtype: 'float32', values: fill(72, 3) }],
        1,
      ),
    },
    {
      name: 'split',
      files: modelFiles(
        [
          placeholder('x', [6, 4]),
          konst('axis', 'DT_INT32', []),
          op('split', 'Split', ['axis', 'x'], { num_split: { i: '3' } }),
          konst('caxis', 'DT_INT32', []),
          op('y', 'ConcatV2', ['split:2', 'split:0', 'split:1', 'caxis'], { N: { i: '3' }, Tidx: typeAttr('DT_INT32') }),
        ],
        [
          { name: 'axis', shape: [], dtype: 'int32', values: [0] },
          { name: 'caxis', shape: [], dtype: 'int32', values: [0] },
        ],
        1,
      ),
    },
  ];
}

let cached: ReturnType<typeof seeds> | undefined;

const PATHS = [`../${SECRET_NAME}`, `sub/../../${SECRET_NAME}`, '/etc/hostname', 'missing.bin', '', 'model.json', './group1-shard1of1.bin'];
const DTYPES = ['float16', 'uint8', 'int64', 'string', 'complex64', 'bool', 'int8', 'bogus'];

export const tfjsTarget: Target = {
  name: 'tfjs',
  async generate(rng: Rng): Promise<GeneratedCase> {
    cached ??= seeds();
    const seed = rng.pick(cached);
    const files = { ...seed.files };
    let model = JSON.parse(new TextDecoder().decode(files['model.json'])) as Json;
    const shardNames = Object.keys(files).filter((n) => n.endsWith('.bin'));
    const what = rng.weighted([
      [45, 'json'],
      [15, 'path'],
      [15, 'weight-spec'],
      [15, 'shard'],
      [5, 'json-bytes'],
      [5, 'attr'],
    ] as const);
    let note = '';
    let invalid: string | undefined;
    if (what === 'json') {
      const steps = rng.int(1, 3);
      const notes: string[] = [];
      for (let k = 0; k < steps; k++) {
        const m = mutateJson(rng, model);
        model = m.value;
        notes.push(`${m.kind} at ${m.path.join('.')}`);
      }
      note = notes.join('; ');
    } else if (what === 'path') {
      const at = rng.int(0, shardNames.length - 1);
      const ref = rng.pick(PATHS);
      model = setAt(model, ['weightsManifest', 0, 'paths', at], ref);
      note = `shard path ${at} = '${ref}'`;
      if (escapesFolder(ref)) invalid = `path-escape: weightsManifest path '${ref}'`;
    } else if (what === 'weight-spec') {
      const specs = getAt(model, ['weightsManifest', 0, 'weights']) as Json[];
      const w = rng.int(0, specs.length - 1);
      if (rng.chance(0.5)) {
        const shape = getAt(model, ['weightsManifest', 0, 'weights', w, 'shape']) as number[];
        const d = rng.int(0, shape.length);
        const v = interestingNumber(rng, shape[d]);
        model = setAt(model, ['weightsManifest', 0, 'weights', w, 'shape', d], v);
        note = `weight ${w} shape[${d}] = ${v}`;
      } else if (rng.chance(0.7)) {
        const dtype = rng.pick(DTYPES);
        model = setAt(model, ['weightsManifest', 0, 'weights', w, 'dtype'], dtype);
        note = `weight ${w} dtype = ${dtype}`;
      } else {
        const q = {
          dtype: rng.pick(['uint8', 'uint16', 'float16', 'int4']),
          scale: interestingNumber(rng, 1),
          min: interestingNumber(rng, 0),
        };
        model = setAt(model, ['weightsManifest', 0, 'weights', w, 'quantization'], q);
        note = `weight ${w} quantization ${JSON.stringify(q)}`;
      }
    } else if (what === 'shard') {
      const name = rng.pick(shardNames);
      const before = files[name]!;
      files[name] = mutateBytes(rng, before);
      note = `shard ${name}: byte-level damage (${before.length} → ${files[name]!.length} bytes)`;
      if (files[name]!.length < before.length)
        invalid = `data-short: shard ${name} lost ${before.length - files[name]!.length} bytes the manifest needs`;
    } else if (what === 'attr') {
      const nodes = getAt(model, ['modelTopology', 'node']) as NodeJson[];
      const n = rng.int(0, nodes.length - 1);
      const m = mutateJson(rng, model, ['modelTopology', 'node', n, 'attr']);
      model = m.value;
      note = `node ${nodes[n]!.name} attrs: ${m.kind}`;
    }
    files['model.json'] = what === 'json-bytes' ? mutateBytes(rng, files['model.json']!) : new TextEncoder().encode(JSON.stringify(model));
    if (what === 'json-bytes') note = 'model.json: byte-level damage';
    return { files, note: `${seed.name}: ${note}`, ...(invalid ? { invalid } : {}) };
  },
  async execute(c: FuzzCase, rng: Rng): Promise<void> {
    const dir = writeCaseFiles(c);
    const graph = await loadTfjsModel(join(dir, 'model.json'), withLimits({}));
    await buildAndRun(convertGraph(graph, createTfRegistry()), rng);
  },
};
