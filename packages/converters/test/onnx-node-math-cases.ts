/**
 * The ONNX backend node tests of the math family: discovery (every test whose model uses only
 * math ops plus shape/constant glue) and one runner shared by the vitest suite
 * (onnx-node-math.test.ts) and ad-hoc scripts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { decodeTensorProto, importOnnx } from '@kiln-inference/onnx';
import { compareTensors, formatCompareReport } from '@kiln-inference/testkit';
import { convertGraph, createOnnxRegistry } from '../src/index.js';
import { mathConverters } from '../src/onnx/math/index.js';

/** Ops of other families that function bodies (_expanded tests) use as glue. */
const GLUE_OPS = new Set([
  'Constant',
  'Identity',
  'Reshape',
  'Shape',
  'Size',
  'Squeeze',
  'Unsqueeze',
  'Flatten',
  'Concat',
  'Gather',
  'Slice',
  'Expand',
  'Transpose',
  'If',
  'Loop',
]);

export const MATH_OPS = new Set(mathConverters.map((c) => c.op));

/** Random generators cannot reproduce numpy's stream: only dtype, shape and range are checked. */
const RANDOM_OPS = new Set(['RandomUniform', 'RandomNormal', 'RandomUniformLike', 'RandomNormalLike', 'Bernoulli']);

export interface MathNodeTest {
  name: string;
  /** The math op the test is about (the first math op in the model). */
  op: string;
  random: boolean;
}

/** The math op a test is named after ('test_reduce_log_sum_exp_…' → ReduceLogSumExp): the longest matching name. */
function opNamedBy(testName: string): string | undefined {
  const flat = testName.slice('test_'.length).replace(/_/g, '').toLowerCase();
  let best: string | undefined;
  for (const op of MATH_OPS) if (flat.startsWith(op.toLowerCase()) && op.length > (best?.length ?? 0)) best = op;
  return best;
}

function loadGraph(nodeDir: string, name: string): Graph | undefined {
  try {
    return importOnnx(new Uint8Array(readFileSync(join(nodeDir, name, 'model.onnx'))));
  } catch {
    return undefined;
  }
}

/** Every node test whose nodes are all math ops or glue, with at least one math op. */
export function discoverMathNodeTests(nodeDir: string): MathNodeTest[] {
  const tests: MathNodeTest[] = [];
  for (const name of readdirSync(nodeDir).sort()) {
    if (!name.startsWith('test_')) continue;
    const graph = loadGraph(nodeDir, name);
    if (!graph) continue;
    const ops = graph.nodes.map((n) => n.op);
    const math = ops.find((op) => MATH_OPS.has(op));
    if (!math || !ops.every((op) => MATH_OPS.has(op) || GLUE_OPS.has(op))) continue;
    tests.push({ name, op: opNamedBy(name) ?? math, random: ops.some((op) => RANDOM_OPS.has(op)) });
  }
  return tests;
}

export interface NodeTestResult {
  status: 'pass' | 'fail' | 'skip';
  detail: string;
}

function readValues(dir: string, prefix: 'input' | 'output'): Tensor[] {
  const out: Tensor[] = [];
  for (let i = 0; existsSync(join(dir, `${prefix}_${i}.pb`)); i++) {
    out.push(decodeTensorProto(new Uint8Array(readFileSync(join(dir, `${prefix}_${i}.pb`)))).tensor);
  }
  return out;
}

/** Narrow float outputs carry ~3 significant digits; their tolerance follows the format. */
function toleranceFor(expected: Tensor, base: number): number {
  if (expected.dtype === 'float16') return Math.max(base, 1e-3);
  if (expected.dtype === 'bfloat16') return Math.max(base, 1e-2);
  return base;
}

function compareRandom(actual: Tensor, expected: Tensor): string {
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype} differs from expected ${expected.dtype}`;
  if (actual.shape.join(',') !== expected.shape.join(',')) return `shape [${actual.shape}] differs from expected [${expected.shape}]`;
  return '';
}

/** Imports, converts and runs one node test; compares every output with rtol = atol = tol. */
export function runMathNodeTest(nodeDir: string, test: MathNodeTest, tol = 1e-4): NodeTestResult {
  const dir = join(nodeDir, test.name);
  const graph = loadGraph(nodeDir, test.name);
  if (!graph) return { status: 'skip', detail: 'import failed' };
  let inputs: Tensor[];
  let expected: Tensor[];
  try {
    inputs = readValues(join(dir, 'test_data_set_0'), 'input');
    expected = readValues(join(dir, 'test_data_set_0'), 'output');
  } catch (e) {
    return { status: 'skip', detail: `test data is not plain tensors: ${(e as Error).message}` };
  }
  const registry = createOnnxRegistry();
  const missing = graph.nodes.find((n) => !registry.knows(n.domain, n.op));
  // Glue ops belong to other families; until they have converters the test cannot run.
  if (missing) return { status: 'skip', detail: `no converter for ${missing.op} (another family's op)` };
  try {
    const network = convertGraph(graph, registry);
    const feeds = new Map(graph.feedInputs.map((v, i) => [v.name, inputs[i]!]));
    const outputs = new ReferenceExecutor().run(network, feeds);
    for (let i = 0; i < network.outputs.length; i++) {
      const actual = outputs.get(network.outputs[i]!)!;
      const want = expected[i]!;
      if (test.random) {
        const problem = compareRandom(actual, want);
        if (problem) return { status: 'fail', detail: `output ${i}: ${problem}` };
        continue;
      }
      const t = toleranceFor(want, tol);
      const report = compareTensors(actual, want, { rtol: t, atol: t });
      if (!report.pass) return { status: 'fail', detail: `output ${i}: ${formatCompareReport(report, want.shape)}` };
    }
    return { status: 'pass', detail: '' };
  } catch (e) {
    return { status: 'fail', detail: (e as Error).message };
  }
}
