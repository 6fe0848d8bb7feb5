/**
 * The ONNX backend node tests of the tensor/shape family: discovery by the ops a model uses,
 * and one runner shared by the vitest suite (onnx-node-tensor.test.ts) and ad-hoc scripts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { decodeTensorProto, importOnnx } from '@kiln-inference/onnx';
import { compareTensors, formatCompareReport } from '@kiln-inference/testkit';
import { convertGraph, createOnnxRegistry } from '../src/index.js';

/** The ops this family converts. */
export const TENSOR_OPS = new Set([
  'Reshape',
  'Flatten',
  'Transpose',
  'Squeeze',
  'Unsqueeze',
  'Concat',
  'Split',
  'Slice',
  'Gather',
  'GatherElements',
  'GatherND',
  'Scatter',
  'ScatterElements',
  'ScatterND',
  'Expand',
  'Tile',
  'DepthToSpace',
  'SpaceToDepth',
  'Pad',
  'Resize',
  'Upsample',
  'Shape',
  'Size',
  'Identity',
  'Constant',
  'OneHot',
  'NonZero',
  'NonMaxSuppression',
  'GridSample',
  'ReverseSequence',
  'Compress',
  'CenterCropPad',
  'Unique',
  'Dropout',
  'OptionalHasElement',
  'OptionalGetElement',
]);

/** Glue ops other families convert that may appear next to ours (e.g. in _expanded tests). */
const GLUE_OPS = new Set(['Cast', 'CastLike', 'ConstantOfShape']);

export interface NodeCase {
  name: string;
  /** The family op the test exercises. */
  op: string;
  graph: Graph;
}

/** Every node test whose model uses one of our ops and nothing beyond them and glue. */
export function discoverTensorCases(nodeDir: string): NodeCase[] {
  const cases: NodeCase[] = [];
  for (const name of readdirSync(nodeDir).sort()) {
    const model = join(nodeDir, name, 'model.onnx');
    if (!name.startsWith('test_') || !existsSync(model)) continue;
    let graph: Graph;
    try {
      graph = importOnnx(new Uint8Array(readFileSync(model)));
    } catch {
      continue;
    }
    const ops = graph.nodes.map((n) => n.op);
    const mine = ops.filter((op) => TENSOR_OPS.has(op) && op !== 'Constant');
    const main = mine.length > 0 ? mine[mine.length - 1]! : ops.length === 1 && ops[0] === 'Constant' ? 'Constant' : undefined;
    if (!main || !ops.every((op) => TENSOR_OPS.has(op) || GLUE_OPS.has(op))) continue;
    // Sequence and optional values are not kiln network inputs/outputs.
    if (![...graph.inputs, ...graph.outputs].every((v) => v.type?.kind === 'tensor')) continue;
    cases.push({ name, op: main, graph });
  }
  return cases;
}

function readValues(dir: string, prefix: 'input' | 'output'): Tensor[] {
  const values: Tensor[] = [];
  for (let i = 0; existsSync(join(dir, `${prefix}_${i}.pb`)); i++) {
    values.push(decodeTensorProto(new Uint8Array(readFileSync(join(dir, `${prefix}_${i}.pb`)))).tensor);
  }
  return values;
}

/** Converts and runs one case; returns undefined on success, else what went wrong. */
export function runTensorCase(nodeDir: string, c: NodeCase, tol = 1e-4): string | undefined {
  const data = join(nodeDir, c.name, 'test_data_set_0');
  const inputs = readValues(data, 'input');
  const expected = readValues(data, 'output');
  const network = convertGraph(c.graph, createOnnxRegistry());
  const feeds = new Map(c.graph.feedInputs.map((v, i) => [v.name, inputs[i]!]));
  const outputs = new ReferenceExecutor().run(network, feeds);
  for (let i = 0; i < network.outputs.length; i++) {
    const actual = outputs.get(network.outputs[i]!)!;
    if (actual.dtype !== expected[i]!.dtype) return `output ${i}: dtype ${actual.dtype}, expected ${expected[i]!.dtype}`;
    const report = compareTensors(actual, expected[i]!, { rtol: tol, atol: tol });
    if (!report.pass) return `output ${i}: ${formatCompareReport(report, expected[i]!.shape)}`;
  }
  return undefined;
}
