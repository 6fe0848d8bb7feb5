/**
 * Where an inference graph's model comes from, and how save() keeps it: the model is stored
 * next to the engines so loadInferenceGraph() re-partitions the very same graph. ONNX graphs
 * are written with exportOnnx (lossless); TensorFlow and UFF models keep their own bytes
 * (a GraphDef, or the files of a path: .pb, .uff, model.json + shards, a SavedModel folder).
 */
import { cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, type Graph, KilnError, type Shape } from '@kiln-inference/core';
import { exportOnnx, importOnnx } from '@kiln-inference/onnx';
import { importGraphDef } from '@kiln-inference/tf-graph';
import { loadModel } from '../load-model.js';
import { detectModelFormat } from '../model-format.js';

/** The model an inference graph is made from: exactly one of graphDef, onnxModel, graph or path. */
export interface ModelSourceOptions {
  /** A TensorFlow GraphDef (.pb bytes). */
  graphDef?: Uint8Array;
  /** An ONNX ModelProto (.onnx bytes). */
  onnxModel?: Uint8Array;
  /** A graph already loaded by any kiln parser. */
  graph?: Graph;
  /** Any model file or folder kiln loads (.onnx, .pb, SavedModel, model.json, .uff). */
  path?: string;
  /** TensorFlow: the tensors to compute (frozen graphs do not declare outputs). */
  outputs?: string[];
  /** Shapes for inputs the model leaves open (UFF, TF placeholders). */
  inputShapes?: Record<string, Shape>;
  /** SavedModel signature (default serving_default). */
  signature?: string;
}

/** How save() recorded the model: the kind of files and the path inside the saved folder. */
export interface StoredSource {
  kind: 'onnx' | 'tf-graphdef' | 'path';
  /** Relative to the saved folder. */
  file: string;
  outputs?: string[];
  inputShapes?: Record<string, Shape>;
  signature?: string;
}

/** A loaded source: its graph, and how to store it again. */
export interface ModelSource {
  graph: Graph;
  store(dir: string): StoredSource;
}

function exactlyOneSource(options: ModelSourceOptions): void {
  const given = (['graphDef', 'onnxModel', 'graph', 'path'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) {
    throw new KilnError(
      ErrorCode.INVALID_ARGUMENT,
      given.length === 0 ? 'createInferenceGraph needs a model' : `createInferenceGraph got several models (${given.join(', ')})`,
      { hint: 'pass exactly one of graphDef (bytes), onnxModel (bytes), graph (a loaded Graph) or path' },
    );
  }
}

function tfOptions(options: ModelSourceOptions) {
  return { ...(options.outputs ? { outputs: options.outputs } : {}), ...(options.inputShapes ? { inputShapes: options.inputShapes } : {}) };
}

function extras(options: ModelSourceOptions): Omit<StoredSource, 'kind' | 'file'> {
  return { ...tfOptions(options), ...(options.signature ? { signature: options.signature } : {}) };
}

function storeOnnx(graph: Graph, dir: string, options: ModelSourceOptions): StoredSource {
  writeFileSync(join(dir, 'model.onnx'), exportOnnx(graph));
  return { kind: 'onnx', file: 'model.onnx', ...extras(options) };
}

/** The files a model path consists of, copied under dir/model/. */
function copyModelFiles(path: string, dir: string): string {
  const target = join(dir, 'model');
  mkdirSync(target, { recursive: true });
  if (statSync(path).isDirectory()) {
    cpSync(path, join(target, basename(path)), { recursive: true });
    return join('model', basename(path));
  }
  cpSync(path, join(target, basename(path)));
  if (detectModelFormat(path) === 'tfjs') {
    // model.json names its weight shards relative to itself.
    const json = JSON.parse(readFileSync(path, 'utf8')) as { weightsManifest?: { paths?: string[] }[] };
    for (const group of json.weightsManifest ?? []) {
      for (const shard of group.paths ?? []) {
        mkdirSync(dirname(join(target, shard)), { recursive: true });
        cpSync(join(dirname(path), shard), join(target, shard));
      }
    }
  }
  return join('model', basename(path));
}

export async function openModelSource(options: ModelSourceOptions): Promise<ModelSource> {
  exactlyOneSource(options);
  if (options.onnxModel) {
    const graph = importOnnx(options.onnxModel);
    return { graph, store: (dir) => storeOnnx(graph, dir, options) };
  }
  if (options.graphDef) {
    const bytes = options.graphDef;
    const graph = importGraphDef(bytes, tfOptions(options));
    return {
      graph,
      store: (dir) => {
        writeFileSync(join(dir, 'graph.pb'), bytes);
        return { kind: 'tf-graphdef', file: 'graph.pb', ...extras(options) };
      },
    };
  }
  if (options.path) {
    const path = options.path;
    const { format, graph } = await loadModel(path, {
      ...tfOptions(options),
      ...(options.signature ? { signature: options.signature } : {}),
    });
    if (format === 'onnx') return { graph, store: (dir) => storeOnnx(graph, dir, options) };
    return { graph, store: (dir) => ({ kind: 'path', file: copyModelFiles(path, dir), ...extras(options) }) };
  }
  const graph = options.graph!;
  return {
    graph,
    store: (dir) => {
      if (graph.format === 'onnx') return storeOnnx(graph, dir, options);
      throw new KilnError(
        ErrorCode.INVALID_ARGUMENT,
        `a loaded ${graph.format} graph cannot be saved: kiln has no ${graph.format} writer`,
        {
          hint: 'create the inference graph from graphDef bytes or a path, so save() can keep the model itself',
        },
      );
    },
  };
}

/** The model save() stored, loaded again with the options it was created with. */
export async function reopenModelSource(dir: string, stored: StoredSource): Promise<ModelSource> {
  const path = join(dir, stored.file);
  const options: ModelSourceOptions = {
    ...(stored.outputs ? { outputs: stored.outputs } : {}),
    ...(stored.inputShapes ? { inputShapes: stored.inputShapes } : {}),
    ...(stored.signature ? { signature: stored.signature } : {}),
  };
  switch (stored.kind) {
    case 'onnx':
      return openModelSource({ ...options, onnxModel: new Uint8Array(readFileSync(path)) });
    case 'tf-graphdef':
      return openModelSource({ ...options, graphDef: new Uint8Array(readFileSync(path)) });
    case 'path':
      return openModelSource({ ...options, path });
  }
}
