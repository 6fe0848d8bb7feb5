/**
 * The tf-savedmodel checks. `signature-and-variables`: the signature is listed and the checkpoint
 * restores each variable to its stated value. `run-signature`: the signature's pruned graph runs
 * through the pipeline on generated feeds and must equal the same arithmetic done here in plain
 * JavaScript, node by node (the graph is read, not assumed).
 */
import { convertGraph, createTfRegistry } from '@kiln-inference/converters';
import { type Graph, type Shape, Tensor } from '@kiln-inference/core';
import { buildPlan, Engine } from '@kiln-inference/engine';
import { compareTensors, formatCompareReport, mulberry32 } from '@kiln-inference/testkit';
import { loadSavedModel } from '@kiln-inference/tf-graph';
import { failureFrom } from '../categorize.js';
import { graphOps } from '../onnx/run-onnx-case.js';
import type { CaseOutcome } from '../suite.js';
import type { SavedModelCaseData } from '../suites/tf-savedmodel.js';

/** Rows fed for each unknown (batch) dimension. */
const FED_BATCH = 3;

/** Elementwise binary ops the plain-JavaScript evaluator below knows, with TF's semantics. */
const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  AddV2: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
};

export async function runSavedModelCase(data: SavedModelCaseData): Promise<CaseOutcome> {
  try {
    return data.check === 'signature-and-variables' ? await checkSignatureAndVariables(data) : await runSignature(data);
  } catch (e) {
    return failureFrom(e);
  }
}

async function checkSignatureAndVariables(data: SavedModelCaseData): Promise<CaseOutcome> {
  const loaded = await loadSavedModel(data.dir, { signature: data.signature });
  const keys = loaded.metaGraph.signatures.map((s) => s.key);
  if (!keys.includes(data.signature)) return fail('other', `signature '${data.signature}' not listed; signatures: ${keys.join(', ')}`);
  for (const [name, value] of Object.entries(data.variables)) {
    const restored = loaded.variables.get(name);
    if (!restored) return fail('other', `variable '${name}' not restored; restored: ${[...loaded.variables.keys()].join(', ')}`);
    const report = compareTensors(restored, Tensor.scalar('float32', value), { rtol: 0, atol: 0 });
    if (!report.pass) return fail('numeric-mismatch', `variable '${name}': ${formatCompareReport(report, [])}`);
  }
  return { status: 'pass' };
}

async function runSignature(data: SavedModelCaseData): Promise<CaseOutcome> {
  const { graph } = await loadSavedModel(data.dir, { signature: data.signature });
  const ops = graphOps(graph);
  const unknown = ops.filter((op) => !(op in ARITHMETIC));
  if (unknown.length > 0)
    return { status: 'skip', reason: `the signature computes ${unknown.join(', ')}, beyond this check's evaluator`, ops };
  const feeds = generateFeeds(graph);
  const expected = evaluateArithmetic(graph, feeds);
  const engine = await Engine.create(await buildPlan(convertGraph(graph, createTfRegistry()), { tune: false }), { execution: 'inline' });
  const context = engine.createExecutionContext();
  try {
    const results = await context.run(feeds);
    for (const output of graph.outputs) {
      const actual = results[output.name];
      if (!actual) return { ...fail('other', `output '${output.name}' was not produced`), ops };
      const report = compareTensors(actual, expected.get(output.name)!, { rtol: 0, atol: 0 });
      if (!report.pass)
        return { ...fail('numeric-mismatch', `output '${output.name}': ${formatCompareReport(report, actual.shape)}`), ops };
    }
  } finally {
    await context.dispose();
  }
  return { status: 'pass', ops };
}

function fail(category: 'other' | 'numeric-mismatch', reason: string): CaseOutcome {
  return { status: 'fail', category, reason };
}

function concreteShape(shape: Shape): number[] {
  return shape.map((d) => (typeof d === 'number' && d >= 0 ? d : FED_BATCH));
}

/** Small integers (exact in every dtype) from a fixed seed, one tensor per graph feed. */
function generateFeeds(graph: Graph): Record<string, Tensor> {
  const random = mulberry32(7);
  const feeds: Record<string, Tensor> = {};
  for (const input of graph.feedInputs) {
    if (input.type?.kind !== 'tensor') throw new Error(`feed '${input.name}' has no tensor type`);
    const shape = concreteShape(input.type.shape ?? []);
    const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(random() * 100));
    feeds[input.name] = Tensor.fromValues(input.type.dtype, shape, values);
  }
  return feeds;
}

/** Runs the graph's same-shape elementwise nodes in order (weights and feeds as leaves), in float64 (exact for these integers). */
function evaluateArithmetic(graph: Graph, feeds: Record<string, Tensor>): Map<string, Tensor> {
  const values = new Map<string, Tensor>([...graph.weights, ...Object.entries(feeds)]);
  for (const node of graph.nodes) {
    const [a, b] = node.inputs.map((name) => values.get(name));
    if (!a || !b || a.size !== b.size) throw new Error(`node '${node.name}': expected two same-shape inputs already computed`);
    const fa = a.toFloat64();
    const fb = b.toFloat64();
    const out = Array.from(fa, (x, i) => ARITHMETIC[node.op]!(x, fb[i]!));
    values.set(node.outputs[0]!, Tensor.fromValues(a.dtype, a.shape, out));
  }
  return values;
}
