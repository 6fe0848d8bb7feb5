/**
 * Feeds: a valid engine (inline and in its execution worker) given hostile feeds — wrong
 * dtypes and shapes, transferred-away buffers, DataViews, storage shorter than its shape,
 * null/undefined/non-objects, huge or negative shapes, sequences where tensors belong — and
 * valid edge cases (empty batch, NaN values, a Map of feeds) that must run.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { type DType, Tensor } from '@kiln-inference/core';
import { TensorSequence } from '@kiln-inference/cpu-runtime';
import { buildPlan, Engine, type ExecutionContext, type StartWorker } from '@kiln-inference/engine';
import { exportOnnx, importOnnx } from '@kiln-inference/onnx';
import type { FuzzCase } from '../fuzz-case.js';
import type { Json } from '../mutate/json.js';
import { randomFeed } from '../pipeline.js';
import type { Rng } from '../prng.js';
import { repoRoot } from '../repo-root.js';
import type { GeneratedCase, Target } from '../target.js';
import { onnxCodeSeeds } from './onnx.js';

/** Feed kinds; `valid` ones must run, the others must be refused. */
const KINDS: Record<string, boolean> = {
  valid: true,
  'empty-batch': true,
  'nan-values': true,
  'map-feeds': true,
  'shared-buffer': true,
  'wrong-dtype': false,
  'wrong-shape': false,
  'wrong-rank': false,
  detached: false,
  dataview: false,
  'short-storage': false,
  'feeds-not-object': false,
  'value-not-tensor': false,
  'huge-shape': false,
  'negative-shape': false,
  'fractional-shape': false,
  sequence: false,
  'extra-name': false,
  missing: false,
  'mislabelled-storage': false,
};

interface Recipe {
  model: 'mlp' | 'cnn';
  mode: 'inline' | 'worker';
  kind: string;
  variant: number;
}

/**
 * Starts the engine's execution worker from its TypeScript source through tsx, so worker-mode
 * cases test the same sources as inline ones (the engine's default needs a build). A bundled
 * fuzzer (tools/gpu-bundle, on a host without tsx) names its bundled worker script in
 * KILN_FUZZ_ENGINE_WORKER instead.
 */
const startSourceWorker: StartWorker = (workerData) => {
  const bundled = process.env.KILN_FUZZ_ENGINE_WORKER;
  if (bundled) return new Worker(resolve(bundled), { workerData });
  const root = repoRoot();
  const script = pathToFileURL(resolve(root, 'packages/engine/src/worker/engine-worker.ts')).href;
  const tsconfig = resolve(root, 'tsconfig.dev.json');
  return new Worker(
    `import('tsx/esm/api').then((m) => { m.register({ tsconfig: ${JSON.stringify(tsconfig)} }); return import(${JSON.stringify(script)}); })`,
    { eval: true, workerData },
  );
};

const contexts = new Map<string, Promise<{ context: ExecutionContext; shape: number[] }>>();

/** One engine per model and mode, built once per worker process and reused by every case. */
function contextFor(model: Recipe['model'], mode: Recipe['mode']): Promise<{ context: ExecutionContext; shape: number[] }> {
  const key = `${model}/${mode}`;
  let p = contexts.get(key);
  if (!p) {
    p = (async () => {
      const g = onnxCodeSeeds().find((s) => s.name === model)!;
      const network = convertGraph(importOnnx(exportOnnx(g)), createOnnxRegistry());
      const engine = await Engine.create(await buildPlan(network, { backend: 'cpu', tune: false }), {
        execution: mode,
        ...(mode === 'worker' ? { startWorker: startSourceWorker } : {}),
      });
      const declared = engine.inputs[0]!.shape!;
      return { context: engine.createExecutionContext(), shape: declared.map((d) => (typeof d === 'number' ? d : 2)) };
    })();
    contexts.set(key, p);
  }
  return p;
}

/** A tensor-shaped object the constructor would refuse: what a caller gets by editing one. */
function forged(dtype: DType, shape: number[], data: unknown): Tensor {
  const t = Object.create(Tensor.prototype) as Record<string, unknown>;
  Object.defineProperty(t, 'dtype', { value: dtype, enumerable: true });
  Object.defineProperty(t, 'shape', { value: Object.freeze([...shape]), enumerable: true });
  Object.defineProperty(t, 'data', { value: data, enumerable: true });
  return t as unknown as Tensor;
}

function hostileFeeds(r: Recipe, shape: number[], rng: Rng): unknown {
  const good = () => randomFeed(rng, 'float32', shape);
  const v = r.variant;
  switch (r.kind) {
    case 'valid':
      return { x: good() };
    case 'empty-batch':
      return { x: Tensor.zeros('float32', [0, ...shape.slice(1)]) };
    case 'nan-values':
      return {
        x: Tensor.fromValues(
          'float32',
          shape,
          Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => [Number.NaN, Number.POSITIVE_INFINITY, -0, 1e38][i % 4]!),
        ),
      };
    case 'map-feeds':
      return new Map([['x', good()]]);
    case 'shared-buffer': {
      const n = shape.reduce((a, b) => a * b, 1);
      return { x: new Tensor('float32', shape, new Float32Array(new SharedArrayBuffer(n * 4))) };
    }
    case 'wrong-dtype':
      return { x: randomFeed(rng, (['float64', 'int32', 'float16', 'int64', 'uint8', 'bool'] as const)[v % 6]!, shape) };
    case 'wrong-shape':
      return {
        x: Tensor.zeros(
          'float32',
          shape.map((d, i) => (i === shape.length - 1 ? d + 1 + (v % 3) : d)),
        ),
      };
    case 'wrong-rank':
      return { x: Tensor.zeros('float32', v % 2 ? [...shape, 1] : shape.slice(1)) };
    case 'detached': {
      const t = good();
      const buffer = (t.data as Float32Array).buffer as ArrayBuffer;
      structuredClone(buffer, { transfer: [buffer] });
      return { x: t };
    }
    case 'dataview': {
      const n = shape.reduce((a, b) => a * b, 1);
      return { x: forged('float32', shape, new DataView(new ArrayBuffer(n * 4))) };
    }
    case 'short-storage':
      return { x: forged('float32', shape, new Float32Array(Math.max(0, shape.reduce((a, b) => a * b, 1) - 1 - (v % 3)))) };
    case 'mislabelled-storage': {
      const n = shape.reduce((a, b) => a * b, 1);
      return {
        x: forged(
          'float32',
          shape,
          [new Float64Array(n), new Int32Array(n), new Uint8Array(n * 4), Array.from({ length: n }, () => 0)][v % 4],
        ),
      };
    }
    case 'feeds-not-object':
      return [null, undefined, 42, 'x', [good()], true, () => 0][v % 7];
    case 'value-not-tensor':
      return {
        x: [null, undefined, 3, [1, 2, 3], {}, 'tensor', new Float32Array(4), { dtype: 'float32', shape, data: new Float32Array(8) }][
          v % 8
        ],
      };
    case 'huge-shape':
      return { x: forged('float32', [2 ** 31, ...shape.slice(1)], new Float32Array(4)) };
    case 'negative-shape':
      return { x: forged('float32', [-1, ...shape.slice(1)], new Float32Array(4)) };
    case 'fractional-shape':
      return { x: forged('float32', [1.5, ...shape.slice(1)], new Float32Array(6)) };
    case 'sequence':
      return { x: new TensorSequence('float32', [good()]) };
    case 'extra-name':
      return { x: good(), y: good() };
    case 'missing':
      return v % 2 ? {} : { X: good() };
  }
  throw new Error(`unknown feed kind '${r.kind}'`);
}

export const feedsTarget: Target = {
  name: 'feeds',
  async generate(rng: Rng): Promise<GeneratedCase> {
    const kinds = Object.keys(KINDS);
    const recipe: Recipe = {
      model: rng.pick(['mlp', 'cnn'] as const),
      mode: rng.chance(0.3) ? 'worker' : 'inline',
      kind: rng.chance(0.15) ? 'valid' : rng.pick(kinds),
      variant: rng.int(0, 1000),
    };
    // The cnn input has a static batch: an empty batch there is a wrong shape, not an edge case.
    const valid = KINDS[recipe.kind]! && !(recipe.kind === 'empty-batch' && recipe.model === 'cnn');
    return {
      files: {},
      meta: recipe as unknown as Json,
      note: `${recipe.model} ${recipe.mode}: ${recipe.kind} #${recipe.variant}`,
      ...(valid ? {} : { invalid: `${recipe.kind}: a ${recipe.kind} feed was accepted` }),
    };
  },
  async execute(c: FuzzCase, rng: Rng): Promise<void> {
    const r = c.meta as unknown as Recipe;
    const { context, shape } = await contextFor(r.model, r.mode);
    await context.run(hostileFeeds(r, shape, rng) as Parameters<ExecutionContext['run']>[0]);
  },
};
