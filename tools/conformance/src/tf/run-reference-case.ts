/**
 * One `kiln-corpus-reference/1` model through the whole pipeline, as the ONNX suites run theirs:
 * import (TensorFlow or UFF) → convertGraph → buildPlan → Engine → run every case → compare each
 * output with the reference's own tolerance (Polygraphy semantics) and check its argmax.
 */
import { existsSync } from 'node:fs';
import { type ConverterRegistry, convertGraph } from '@kiln-inference/converters';
import type { Graph, Shape, Tensor } from '@kiln-inference/core';
import { buildPlan, Engine } from '@kiln-inference/engine';
import {
  compareTensors,
  formatCompareReport,
  loadReferenceTensor,
  modelPath,
  type Reference,
  type ReferenceCase,
  type ReferenceTensor,
  readReference,
} from '@kiln-inference/testkit';
import { failureFrom } from '../categorize.js';
import { graphOps } from '../onnx/run-onnx-case.js';
import type { CaseOutcome, FailureCategory } from '../suite.js';
import type { ReferenceCaseData } from '../suites/kiln-reference.js';

/** What the import step is told: feed shapes (for inputs the model leaves open) and output names. */
export interface ImportRequest {
  model: string;
  inputShapes: Record<string, Shape>;
  outputs: string[];
}

export type ImportModel = (request: ImportRequest) => Promise<{ graph: Graph; registry: ConverterRegistry }>;

/** Index of the largest element of the first row along the last axis. */
export function firstRowArgmax(tensor: Tensor): number {
  const values = tensor.toFloat64();
  const row = tensor.shape.length === 0 ? 1 : tensor.shape[tensor.shape.length - 1]!;
  let best = 0;
  for (let i = 1; i < row && i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** A failed comparison: why, and which report category it belongs to. */
interface Problem {
  category: FailureCategory;
  reason: string;
}

function checkOutput(ref: Reference, c: ReferenceCase, o: ReferenceTensor, actual: Tensor | undefined): Problem | undefined {
  const mismatch = (reason: string): Problem => ({ category: 'numeric-mismatch', reason: `output '${o.name}': ${reason}` });
  if (!actual) return { category: 'other', reason: `output '${o.name}' was not produced` };
  const expected = loadReferenceTensor(ref, c, o);
  if (actual.dtype !== expected.dtype) return mismatch(`dtype ${actual.dtype} differs from expected ${expected.dtype}`);
  const report = compareTensors(actual, expected, ref.tolerance);
  if (!report.pass) {
    return mismatch(`${formatCompareReport(report, expected.shape)} (rtol ${ref.tolerance.rtol}, atol ${ref.tolerance.atol})`);
  }
  if (o.argmax !== undefined && firstRowArgmax(actual) !== o.argmax) {
    return mismatch(`argmax ${firstRowArgmax(actual)}, expected ${o.argmax}`);
  }
  return undefined;
}

/** Every feed's shape, as the import step's inputShapes (the first case's; cases share shapes). */
function feedShapes(ref: Reference): Record<string, Shape> {
  return Object.fromEntries((ref.cases[0]?.feeds ?? []).map((f) => [f.name, f.shape]));
}

export async function runReferenceCase(data: ReferenceCaseData, importModel: ImportModel): Promise<CaseOutcome> {
  let ops: string[] | undefined;
  try {
    const ref = readReference(data.referenceDir);
    if (ref.cases.length === 0) return { status: 'skip', reason: 'reference.json lists no cases' };
    const outputs = [...new Set(ref.cases.flatMap((c) => c.outputs.map((o) => o.name)))];
    const model = modelPath(ref);
    if (!existsSync(model)) return { status: 'skip', reason: `the model ${ref.model} named by reference.json is absent` };
    const request = { model, inputShapes: feedShapes(ref), outputs };
    const { graph, registry } = await importModel(request);
    ops = graphOps(graph);
    const engine = await Engine.create(await buildPlan(convertGraph(graph, registry), { tune: false }), { execution: 'inline' });
    const context = engine.createExecutionContext();
    try {
      for (const c of ref.cases) {
        const feeds = Object.fromEntries(c.feeds.map((f) => [f.name, loadReferenceTensor(ref, c, f)]));
        const results = await context.run(feeds);
        for (const o of c.outputs) {
          const problem = checkOutput(ref, c, o, results[o.name]);
          if (problem) return { status: 'fail', category: problem.category, reason: `case ${c.dir}: ${problem.reason}`, ops };
        }
      }
    } finally {
      await context.dispose();
    }
    return { status: 'pass', ops };
  } catch (e) {
    return failureFrom(e, ops);
  }
}
