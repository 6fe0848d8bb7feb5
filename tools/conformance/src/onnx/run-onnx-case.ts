/**
 * One ONNX case through the whole pipeline: importOnnx → convertGraph → buildPlan → Engine →
 * run every data set → compare each output with Polygraphy semantics.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { convertGraph, createOnnxRegistry } from '@kiln-inference/converters';
import type { Graph, Tensor, ValueInfo } from '@kiln-inference/core';
import { buildPlan, Engine, type RuntimeValue, TensorSequence } from '@kiln-inference/engine';
import { decodeSequenceProto, decodeTensorProto, importOnnx } from '@kiln-inference/onnx';
import { failureFrom } from '../categorize.js';
import { compareOutput } from '../compare-output.js';
import type { CaseOutcome } from '../suite.js';
import type { DataSet, OnnxCaseData } from './backend-layout.js';

/** Op types of the top-level graph, in first-use order. */
export function graphOps(graph: Graph): string[] {
  return [...new Set(graph.nodes.map((n) => n.op))];
}

/** True for graph values the engine takes and returns: tensors and sequences of tensors. */
function engineValue(v: ValueInfo): boolean {
  return v.type === null || v.type.kind === 'tensor' || (v.type.kind === 'sequence' && v.type.element?.kind === 'tensor');
}

/** Names graph values the engine cannot feed or return (optionals, maps, nested sequences). */
function unsupportedValues(values: ValueInfo[]): string[] {
  return values.filter((v) => !engineValue(v)).map((v) => `'${v.name}' (${v.type!.kind})`);
}

function readTensor(path: string): Tensor {
  return decodeTensorProto(new Uint8Array(readFileSync(path))).tensor;
}

/** A data-set value: a TensorProto, or a SequenceProto where the graph declares a sequence. */
function readValue(path: string, info: ValueInfo): RuntimeValue {
  const type = info.type;
  if (type?.kind !== 'sequence') return readTensor(path);
  const { elements } = decodeSequenceProto(new Uint8Array(readFileSync(path)));
  // An empty SequenceProto has no element to take the dtype from: the graph declares it.
  const dtype = elements[0]?.dtype ?? (type.element?.kind === 'tensor' ? type.element.dtype : 'float32');
  return new TensorSequence(dtype, elements);
}

export async function runOnnxCase(data: OnnxCaseData): Promise<CaseOutcome> {
  let ops: string[] | undefined;
  try {
    const graph = importOnnx(new Uint8Array(readFileSync(data.model)), { baseDir: dirname(data.model) });
    ops = graphOps(graph);
    const unsupported = unsupportedValues([...graph.feedInputs, ...graph.outputs]);
    if (unsupported.length > 0) {
      return {
        status: 'skip',
        reason: `optional, map and nested-sequence values are not supported by the engine: ${unsupported.join(', ')}`,
        ops,
      };
    }
    if (data.dataSets.length === 0) return { status: 'skip', reason: 'the case has no test data set', ops };
    const network = convertGraph(graph, createOnnxRegistry());
    const engine = await Engine.create(await buildPlan(network, { tune: false }), { execution: 'inline' });
    const context = engine.createExecutionContext();
    try {
      for (const [index, dataSet] of data.dataSets.entries()) {
        const mismatch = await runDataSet(graph, dataSet, index, (feeds) => context.runValues(feeds), ops);
        if (mismatch) return mismatch;
      }
    } finally {
      await context.dispose();
    }
    return { status: 'pass', ops };
  } catch (e) {
    return failureFrom(e, ops);
  }
}

async function runDataSet(
  graph: Graph,
  dataSet: DataSet,
  index: number,
  run: (feeds: Record<string, RuntimeValue>) => Promise<Record<string, RuntimeValue>>,
  ops: string[],
): Promise<CaseOutcome | undefined> {
  const feedInputs = graph.feedInputs;
  if (dataSet.inputs.length !== feedInputs.length || dataSet.outputs.length !== graph.outputs.length) {
    return {
      status: 'fail',
      category: 'other',
      reason: `data set ${index} has ${dataSet.inputs.length} inputs / ${dataSet.outputs.length} outputs; the graph feeds ${feedInputs.length} / returns ${graph.outputs.length}`,
      ops,
    };
  }
  const feeds = Object.fromEntries(feedInputs.map((input, i) => [input.name, readValue(dataSet.inputs[i]!, input)]));
  const outputs = await run(feeds);
  for (const [i, out] of graph.outputs.entries()) {
    const verdict = compareValue(out.name, outputs[out.name], readValue(dataSet.outputs[i]!, out), ops);
    if (verdict) return { ...verdict, reason: `data set ${index}: ${verdict.reason}`, ops };
  }
  return undefined;
}

/** Tensors compare directly; sequences compare length, then element by element. */
function compareValue(name: string, actual: RuntimeValue | undefined, expected: RuntimeValue, ops: string[]): CaseOutcome | undefined {
  if (!(expected instanceof TensorSequence)) {
    if (actual instanceof TensorSequence)
      return { status: 'fail', category: 'other', reason: `output '${name}' is a sequence; expected a tensor` };
    return compareOutput(name, actual, expected, ops);
  }
  if (!(actual instanceof TensorSequence)) {
    return {
      status: 'fail',
      category: 'other',
      reason: `output '${name}' ${actual ? 'is a tensor' : 'was not produced'}; expected a sequence`,
    };
  }
  if (actual.length !== expected.length) {
    return {
      status: 'fail',
      category: 'numeric-mismatch',
      reason: `output '${name}': sequence length ${actual.length} differs from expected ${expected.length}`,
    };
  }
  for (const [i, element] of expected.elements.entries()) {
    const verdict = compareOutput(`${name}[${i}]`, actual.elements[i], element, ops);
    if (verdict) return verdict;
  }
  return undefined;
}
