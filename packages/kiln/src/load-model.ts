/**
 * Model files → Graph → Network: the front half of the pipeline, shared by the one-call API,
 * InferenceSession and the CLI.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type ConverterRegistry, convertGraph, createOnnxRegistry, createTfRegistry, createUffRegistry } from '@kiln-inference/converters';
import {
  ErrorCode,
  type Graph,
  KilnError,
  type Network,
  nodeResourceLimits,
  type ResourceLimits,
  type Shape,
  withResourceLimits,
} from '@kiln-inference/core';
import { importOnnx, loadOnnxFile } from '@kiln-inference/onnx';
import type { PluginRegistry } from '@kiln-inference/plugin-sdk';
import { importGraphDef, loadTensorFlow } from '@kiln-inference/tf-graph';
import { loadUff } from '@kiln-inference/uff';
import { detectModelFormat, type ModelFormat } from './model-format.js';

/** How loadModel reads a model file: what the format cannot say itself, and resource limits. */
export interface LoadModelOptions {
  /** SavedModel signature to use (default: serving_default). */
  signature?: string;
  /** Input shapes the format cannot state itself (UFF) or that should override symbolic dims. */
  inputShapes?: Record<string, Shape>;
  /** UFF: the order of each input shape; 'chw' is TensorRT's register_input (channels first, no batch). Default 'file'. */
  inputOrders?: Record<string, 'chw' | 'file'>;
  /** Output names to keep (frozen GraphDefs do not declare outputs). */
  outputs?: string[];
  /** Overrides of the resource limits, whose defaults follow this machine's (or cgroup's) memory. */
  limits?: Partial<ResourceLimits>;
}

/** A parsed model: its format and its framework `Graph` (nothing converted yet). */
export interface LoadedModel {
  format: Exclude<ModelFormat, 'plan'>;
  graph: Graph;
}

/** Parses any model file or folder Kiln reads (.onnx, .pb, SavedModel, model.json, .uff) into a `Graph`. */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const format = detectModelFormat(path);
  const { inputShapes, outputs, signature } = options;
  const limits = nodeResourceLimits(options.limits);
  const tfOptions = { limits, ...(inputShapes ? { inputShapes } : {}), ...(outputs ? { outputs } : {}) };
  switch (format) {
    case 'onnx':
      return { format, graph: await loadOnnxFile(path, { limits }) };
    case 'tf-graphdef':
    case 'tfjs':
      return { format, graph: await loadTensorFlow(path, tfOptions) };
    case 'tf-savedmodel': {
      // A saved_model.pb path means its folder.
      const dir = path.endsWith('saved_model.pb') ? dirname(path) : path;
      return { format, graph: await loadTensorFlow(dir, { ...tfOptions, ...(signature ? { signature } : {}) }) };
    }
    case 'uff':
      return { format, graph: await loadUff(path, { limits, inputs: uffInputs(options) }) };
    case 'plan':
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `'${path}' is a built plan, not a model`, {
        hint: 'load plans with Engine.create(), or pass the plan to `kiln run` directly',
      });
  }
}

/** Model bytes (no path, so no external data files) → Graph, for the formats that are one file of bytes. */
export function loadModelBytes(format: 'onnx' | 'tf-graphdef', bytes: Uint8Array, options: LoadModelOptions = {}): LoadedModel {
  const limits = nodeResourceLimits(options.limits);
  if (format === 'onnx') return { format, graph: importOnnx(bytes, { limits }) };
  const { inputShapes, outputs } = options;
  return { format, graph: importGraphDef(bytes, { limits, ...(inputShapes ? { inputShapes } : {}), ...(outputs ? { outputs } : {}) }) };
}

function uffInputs({ inputShapes = {}, inputOrders = {} }: LoadModelOptions): Record<string, { shape: Shape; order: 'chw' | 'file' }> {
  return Object.fromEntries(Object.entries(inputShapes).map(([name, shape]) => [name, { shape, order: inputOrders[name] ?? 'file' }]));
}

/** The converter registry for a graph's format, with the plugins' converters over the built-ins. */
export function registryFor(graph: Graph, plugins?: PluginRegistry): ConverterRegistry {
  const registry = graph.format === 'tf' ? createTfRegistry() : graph.format === 'uff' ? createUffRegistry() : createOnnxRegistry();
  return plugins ? registry.registerAll(plugins.converters()) : registry;
}

/** Converts a loaded graph to a Network, applying input shape overrides; `plugins` convert the ops they claim. */
export function toNetwork(graph: Graph, options: LoadModelOptions = {}, plugins?: PluginRegistry): Network {
  // Converters size fills, ranges and splits from constants; they check them against these limits.
  return withResourceLimits(nodeResourceLimits(options.limits), () =>
    // The UFF importer applied the shapes already, each in its registered order.
    convertGraph(
      graph,
      registryFor(graph, plugins),
      options.inputShapes && graph.format !== 'uff' ? { inputShapes: options.inputShapes } : {},
    ),
  );
}

export function readModelBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new KilnError(ErrorCode.IO_ERROR, `cannot read '${path}': ${(e as Error).message}`, { cause: e });
  }
}
