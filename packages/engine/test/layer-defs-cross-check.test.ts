/**
 * The LayerDefs against two independent oracles on real models: the TensorDescs the converters
 * declared (from ONNX/TF shape information), and the tensors the reference kernels actually
 * produce. Every tensor is inferred forward from the network inputs with LAYER_DEFS alone (no
 * declared shape fills a gap); wherever a dim or dtype is known on both sides they must agree.
 * Covers the corpus models (onnx-models, TF, TF.js, UFF, the light ONNX models for declarations
 * only) and every ONNX node test the converters accept.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import { type Graph, inferNetwork, isKilnError, Network, type Shape, Tensor, type ValueFacts } from '@kiln-inference/core';
import { ReferenceExecutor, type RuntimeValue } from '@kiln-inference/cpu-runtime';
import { decodeTensorProto, loadOnnxFile } from '@kiln-inference/onnx';
import { CORPUS_MISSING_MESSAGE, corpusDir } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { corpusCases } from './hybrid/support/corpus-cases.js';

const corpus = corpusDir();
if (!corpus) console.warn(CORPUS_MISSING_MESSAGE);

const dimsDisagree = (a: Shape, b: readonly (number | string | null)[]) =>
  a.length !== b.length || a.some((d, i) => typeof d === 'number' && typeof b[i] === 'number' && d !== b[i]);

const shown = (s: Shape | null) => (s ? `[${s.map((d) => (d === null ? '?' : String(d))).join(',')}]` : '[?]');

/** Where inferred facts contradict the declarations or the values a run produced. */
function disagreements(network: Network, inferred: ReadonlyMap<string, ValueFacts>, actual?: ReadonlyMap<string, RuntimeValue>): string[] {
  const found: string[] = [];
  for (const layer of network.layers) {
    for (const name of layer.outputs) {
      if (!name) continue;
      const f = inferred.get(name)!;
      const where = `${layer.kind} '${layer.name}' → '${name}'`;
      const desc = network.tensors.get(name);
      if (desc && !actual) {
        if (f.dtype !== desc.dtype) found.push(`${where}: dtype ${f.dtype}, declared ${desc.dtype}`);
        if (f.shape && desc.shape && dimsDisagree(f.shape, desc.shape)) {
          found.push(`${where}: shape ${shown(f.shape)}, declared ${shown(desc.shape)}`);
        }
      }
      const value = actual?.get(name);
      if (value instanceof Tensor) {
        if (f.dtype !== value.dtype) found.push(`${where}: dtype ${f.dtype}, ran ${value.dtype}`);
        if (f.shape && dimsDisagree(f.shape, value.shape)) found.push(`${where}: shape ${shown(f.shape)}, ran ${shown(value.shape)}`);
      }
    }
  }
  return found;
}

/** The network with every layer output marked as an output, so a run returns them all. */
function everyTensorObserved(network: Network): Network {
  const all = new Network(network.name);
  all.inputs = network.inputs;
  all.layers = network.layers;
  all.tensors = network.tensors;
  all.outputs = [...new Set([...network.outputs, ...network.layers.flatMap((l) => l.outputs.filter(Boolean))])];
  return all;
}

/**
 * Network outputs whose declared shape is fully known (numbers and named symbols) must be
 * inferred exactly so: a symbolic batch dim survives shape arithmetic (Shape → Slice → Concat →
 * Reshape in the PaddleOCR classifier) instead of becoming unknown, or 1.
 */
function lostOutputDims(network: Network, inferred: ReadonlyMap<string, ValueFacts>): string[] {
  // A plugin's shapes are its implementation's business (its LayerDef says unknown, honestly).
  const fromPlugin = new Set(network.layers.filter((l) => l.kind === 'plugin').flatMap((l) => l.outputs));
  return network.outputs.flatMap((name) => {
    const declared = network.tensors.get(name)?.shape;
    if (!declared || declared.includes(null) || fromPlugin.has(name)) return [];
    const got = inferred.get(name)?.shape ?? null;
    return got && got.length === declared.length && got.every((d, i) => d === declared[i])
      ? []
      : [`output '${name}': inferred ${shown(got)}, declared ${shown(declared)}`];
  });
}

/** Checks one converted model: declarations from its declared inputs, a run from `feeds`. */
function crossCheck(network: Network, feeds?: Record<string, RuntimeValue>): string[] {
  const declaredInputs = inferNetwork(network, { declared: 'ignore' });
  const found = [...disagreements(network, declaredInputs), ...lostOutputDims(network, declaredInputs)];
  if (feeds) {
    const shapes = new Map(Object.entries(feeds).flatMap(([n, v]) => (v instanceof Tensor ? [[n, v.shape] as const] : [])));
    const inferred = inferNetwork(network, { declared: 'ignore', shapes });
    let ran: Map<string, RuntimeValue> | undefined;
    try {
      ran = new ReferenceExecutor().runValues(everyTensorObserved(network), feeds);
    } catch (e) {
      // A model the reference kernels reject says nothing about the LayerDefs.
      if (!isKilnError(e)) throw e;
    }
    if (ran) found.push(...disagreements(network, inferred, ran));
  }
  return found;
}

const cases = corpus ? corpusCases(corpus) : [];

describe.skipIf(cases.length === 0)('LayerDefs agree with converters and kernels on the corpus models', () => {
  for (const c of cases) {
    it(`${c.suite}: ${c.name}`, async () => {
      const { graph, registry, feeds } = await c.load();
      const network = convertGraph(graph, registry);
      // The light models are large: their declarations are checked, not a full reference run.
      expect(crossCheck(network, c.suite === 'onnx-backend/light' ? undefined : feeds)).toEqual([]);
    });
  }
});

/** ONNX node tests with plain tensor inputs that the ONNX converters accept. */
async function nodeTest(dir: string): Promise<{ network: Network; feeds: Record<string, RuntimeValue> } | undefined> {
  let graph: Graph;
  let network: Network;
  try {
    graph = await loadOnnxFile(join(dir, 'model.onnx'));
    network = convertGraph(graph, createOnnxRegistry());
  } catch (e) {
    if (isKilnError(e)) return undefined;
    throw e;
  }
  const feeds: Record<string, RuntimeValue> = {};
  for (const [k, input] of graph.feedInputs.entries()) {
    const file = join(dir, 'test_data_set_0', `input_${k}.pb`);
    if (!existsSync(file)) return undefined;
    try {
      feeds[input.name] = decodeTensorProto(new Uint8Array(readFileSync(file))).tensor;
    } catch {
      // Sequence and optional inputs are not TensorProtos.
      return undefined;
    }
  }
  return { network, feeds };
}

const nodeRoot = corpus ? join(corpus, 'onnx-backend', 'node') : undefined;
const nodeTests =
  nodeRoot && existsSync(nodeRoot)
    ? readdirSync(nodeRoot)
        .filter((d) => !d.endsWith('_expanded'))
        .sort()
    : [];

describe.skipIf(nodeTests.length === 0)('LayerDefs agree with converters and kernels on the ONNX node tests', () => {
  // Batches keep each test short; together they cover every node test the converters accept.
  const batchSize = 100;
  for (let start = 0; start < nodeTests.length; start += batchSize) {
    const batch = nodeTests.slice(start, start + batchSize);
    it(`${batch[0]} … ${batch.at(-1)}`, async () => {
      const found: string[] = [];
      let checked = 0;
      for (const test of batch) {
        const loaded = await nodeTest(join(nodeRoot!, test));
        if (!loaded) continue;
        let problems: string[];
        try {
          problems = crossCheck(loaded.network, loaded.feeds);
        } catch (e) {
          problems = [`inference threw ${(e as Error).message}`];
        }
        checked++;
        found.push(...problems.map((d) => `${test}: ${d}`));
      }
      expect(found).toEqual([]);
      expect(checked).toBeGreaterThan(0);
    });
  }
});
