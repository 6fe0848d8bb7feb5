/**
 * TensorFlow.js graph models: `model.json` (format 'graph-model') with a GraphDef in JSON
 * (`modelTopology`) and a `weightsManifest` naming binary shards that hold the Const values.
 */
import { basename, dirname } from 'node:path';
import {
  checkModelBytes,
  ErrorCode,
  type Graph,
  KilnError,
  readModelFile,
  readModelPath,
  resourceLimits,
  type Tensor,
  withResourceLimits,
} from '@kiln-inference/core';
import { buildTfGraph, parseTensorName, type TfImportOptions, valueName } from '../graph-builder.js';
import type { TfNodeDef } from '../proto/tf-messages.js';
import { checkJsonLimits } from './json-limits.js';
import { nodesFromJson } from './json-nodes.js';
import { checkDeclaredWeights, checkWeightSpec, decodeWeightGroup, type WeightGroup } from './weights.js';

/**
 * Returns the bytes of a shard named in the manifest (a path relative to model.json). Readers
 * of files must keep to the model folder: loadTfjsModel's goes through @kiln-inference/core's path policy.
 */
export type ShardReader = (path: string) => Uint8Array | Promise<Uint8Array>;

function fail(message: string, hint = 'the file is not a TensorFlow.js graph model or is corrupted'): never {
  throw new KilnError(ErrorCode.INVALID_MODEL, `model.json: ${message}`, { hint });
}

function parseModelJson(source: string | Uint8Array | object): Record<string, unknown> {
  let json: unknown = source;
  if (typeof source === 'string' || source instanceof Uint8Array) {
    checkModelBytes(source.length, 'model.json');
    const text = typeof source === 'string' ? source : new TextDecoder().decode(source);
    try {
      json = JSON.parse(text);
    } catch (e) {
      fail(`not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('the top level is not an object');
  checkJsonLimits(json, 'model.json');
  const model = json as Record<string, unknown>;
  if (model.format !== undefined && model.format !== 'graph-model') {
    throw new KilnError(ErrorCode.UNSUPPORTED_FORMAT, `model.json: format '${String(model.format)}' is not a graph model`, {
      hint: 'convert Keras (layers) models to a graph model with tensorflowjs_converter --output_format=tfjs_graph_model',
    });
  }
  if (model.modelTopology === undefined) fail("'modelTopology' is missing");
  return model;
}

function weightGroups(model: Record<string, unknown>): WeightGroup[] {
  const manifest = model.weightsManifest ?? [];
  if (!Array.isArray(manifest)) fail("'weightsManifest' is not a list");
  return manifest.map((g: unknown, i) => {
    const group = g as Partial<WeightGroup> | null;
    if (typeof group !== 'object' || group === null || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      fail(`weightsManifest[${i}] needs 'paths' and 'weights' lists`);
    }
    if (!group.paths.every((p) => typeof p === 'string')) fail(`weightsManifest[${i}].paths must be strings`);
    return { paths: group.paths, weights: group.weights.map((w, j) => checkWeightSpec(w, `weightsManifest[${i}].weights[${j}]`)) };
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Output names from the model's signature ('Identity:0' → 'Identity'), in signature order. */
function signatureOutputs(model: Record<string, unknown>): string[] | undefined {
  const sig = model.signature as { outputs?: Record<string, { name?: string }> } | undefined;
  if (!sig || typeof sig.outputs !== 'object' || sig.outputs === null) return undefined;
  const names = Object.entries(sig.outputs).map(([key, info]) => valueName(parseTensorName(info?.name ?? key)));
  return names.length ? names : undefined;
}

/** A Const with neither inline values nor a manifest entry means the manifest does not match the topology. */
function checkConstsHaveWeights(nodes: TfNodeDef[], weights: Map<string, Tensor>): void {
  for (const node of nodes) {
    if (node.op !== 'Const' || weights.has(node.name)) continue;
    const value = node.attr.get('value');
    const t = value?.kind === 'tensor' ? value.value : undefined;
    const inline =
      t &&
      (t.content?.length ||
        t.floatVal.length ||
        t.intVal.length ||
        t.int64Val.length ||
        t.boolVal.length ||
        t.stringVal.length ||
        t.halfVal.length ||
        t.doubleVal.length);
    const empty = t?.shape.dims.some((d) => d === 0);
    if (!inline && !empty) {
      throw new KilnError(
        ErrorCode.INVALID_MODEL,
        `model.json: Const '${node.name}' has no value in the topology and no entry in the weightsManifest`,
        {
          hint: 'the manifest and shards do not belong to this model.json',
        },
      );
    }
  }
}

/** Imports a graph model; `readShard` supplies each shard named in the manifest. */
export async function importTfjsModel(
  source: string | Uint8Array | object,
  readShard: ShardReader,
  options: TfImportOptions = {},
): Promise<Graph> {
  const limits = resourceLimits(options.limits);
  const { model, nodes, producer, functionNames, groups } = withResourceLimits(limits, () => {
    const model = parseModelJson(source);
    const groups = weightGroups(model);
    checkDeclaredWeights(groups);
    return { model, ...nodesFromJson(model.modelTopology), groups };
  });
  const weights = new Map<string, Tensor>();
  let shardBytes = 0;
  for (const group of groups) {
    const shards: Uint8Array[] = [];
    for (const path of group.paths) {
      let shard: Uint8Array;
      try {
        shard = await readShard(path);
      } catch (e) {
        if (e instanceof KilnError) throw e;
        throw new KilnError(ErrorCode.IO_ERROR, `cannot read weight shard '${path}': ${(e as Error).message}`, {
          hint: 'shards must sit next to model.json under the names the manifest gives',
        });
      }
      shardBytes += shard.length;
      checkModelBytes(shardBytes, 'the weight shards', {}, limits);
      shards.push(shard);
    }
    withResourceLimits(limits, () => decodeWeightGroup(group.weights, concat(shards), weights));
  }
  checkConstsHaveWeights(nodes, weights);
  const metadata: Record<string, string> = { source: 'tfjs-graph-model' };
  for (const key of ['generatedBy', 'convertedBy'] as const) if (typeof model[key] === 'string') metadata[key] = model[key] as string;
  if (functionNames.length) metadata.functions = functionNames.join(',');
  const outputs = options.outputs ?? signatureOutputs(model);
  return buildTfGraph(nodes, producer, { ...options, limits, ...(outputs ? { outputs } : {}), weights, metadata });
}

/** Loads model.json and its shards from disk; shards must lie in model.json's folder. */
export async function loadTfjsModel(path: string, options: TfImportOptions = {}): Promise<Graph> {
  const dir = dirname(path);
  const json = await readModelPath(path, 'TensorFlow.js model');
  const limits = resourceLimits(options.limits);
  return importTfjsModel(json, (shard) => readModelFile(dir, shard, 'weight shard', limits), {
    name: basename(path).replace(/\.json$/, ''),
    ...options,
  });
}
