/**
 * The ONNX backend node tests of the neural-network and control-flow family: discovery, and one
 * runner shared by the vitest suite (onnx-node-nn.test.ts) and ad-hoc scripts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { decodeTensorProto, importOnnx } from '@kiln-inference/onnx';
import { type CompareReport, compareTensors, formatCompareReport } from '@kiln-inference/testkit';
import { convertGraph, createOnnxRegistry } from '../src/index.js';

/** Test-name prefixes of this family's ops (lower case, as the suite names them). */
export const NN_TEST_PREFIXES = [
  'conv',
  'basic_conv',
  'convtranspose',
  'convinteger',
  'qlinearconv',
  'averagepool',
  'maxpool',
  'lppool',
  'globalaveragepool',
  'globalmaxpool',
  'batchnorm',
  'instancenorm',
  'layer_normalization',
  'group_normalization',
  'mvn',
  'rms_normalization',
  'lrn',
  'lpnormalization',
  'rnn',
  'simple_rnn',
  'gru',
  'lstm',
  'if',
  'loop',
  'scan',
  'scan9',
  'roialign',
  'maxunpool',
  'col2im',
  'dft',
  'stft',
  'hannwindow',
  'hammingwindow',
  'blackmanwindow',
  'melweightmatrix',
  'affine_grid',
  'attention',
  'rotary_embedding',
];

export function nodeTestNames(nodeDir: string): string[] {
  return readdirSync(nodeDir)
    .filter((name) => {
      if (!name.startsWith('test_') || name.includes('_expanded')) return false;
      const rest = name.slice(5);
      return NN_TEST_PREFIXES.some(
        (p) =>
          rest === p || rest.startsWith(`${p}_`) || (p === 'scan9' && rest.startsWith('scan9')) || (p === 'loop' && /^loop\d/.test(rest)),
      );
    })
    .sort();
}

/** ONNX ops of this family (what a model must use at least one of to count as ours). */
export const NN_OPS = new Set([
  'Conv',
  'ConvTranspose',
  'ConvInteger',
  'QLinearConv',
  'AveragePool',
  'MaxPool',
  'LpPool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'GlobalLpPool',
  'BatchNormalization',
  'InstanceNormalization',
  'LayerNormalization',
  'GroupNormalization',
  'MeanVarianceNormalization',
  'RMSNormalization',
  'LRN',
  'LpNormalization',
  'RNN',
  'GRU',
  'LSTM',
  'If',
  'Loop',
  'Scan',
  'RoiAlign',
  'MaxRoiPool',
  'MaxUnpool',
  'Col2Im',
  'DFT',
  'STFT',
  'HannWindow',
  'HammingWindow',
  'BlackmanWindow',
  'MelWeightMatrix',
  'AffineGrid',
  'Attention',
  'RotaryEmbedding',
]);

export interface BackendTestResult {
  name: string;
  /** The family op the test exercises (or the first op when none). */
  op: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
}

function readValues(dir: string, prefix: 'input' | 'output'): Tensor[] {
  const out: Tensor[] = [];
  for (let i = 0; existsSync(join(dir, `${prefix}_${i}.pb`)); i++)
    out.push(decodeTensorProto(new Uint8Array(readFileSync(join(dir, `${prefix}_${i}.pb`)))).tensor);
  return out;
}

function allOps(graph: Graph, into: string[] = []): string[] {
  for (const n of graph.nodes) {
    into.push(n.op);
    for (const a of Object.values(n.attributes)) if (a.kind === 'graph') allOps(a.value, into);
  }
  return into;
}

/** Loads a backend-test model (`file`, or the folder's single .onnx file). */
export function loadTestModel(dir: string, file = readdirSync(dir).find((f) => f.endsWith('.onnx'))): Graph {
  if (!file) throw new Error(`no .onnx file in ${dir}`);
  return importOnnx(new Uint8Array(readFileSync(join(dir, file))));
}

/** Whether a model uses at least one op of this family. */
export function usesFamilyOp(dir: string): boolean {
  try {
    return allOps(loadTestModel(dir)).some((op) => NN_OPS.has(op));
  } catch {
    return false;
  }
}

/**
 * Imports, converts and runs one backend test folder (model + test_data_set_0); compares every
 * output with rtol = atol = tol. 'skip' means a prerequisite outside this family is missing: an
 * op without a converter yet, or test data that is not plain tensors.
 */
export function runBackendTest(dir: string, tol = 1e-4): BackendTestResult {
  const name = dir.split('/').pop()!;
  let graph: Graph;
  try {
    graph = loadTestModel(dir);
  } catch (e) {
    return { name, op: '?', status: 'skip', detail: `import failed: ${(e as Error).message}` };
  }
  const ops = allOps(graph);
  const op = ops.find((o) => NN_OPS.has(o)) ?? ops[0] ?? '?';
  const registry = createOnnxRegistry();
  const missing = ops.find((o) => !registry.knows('', o));
  if (missing) return { name, op, status: 'skip', detail: `no converter for ${missing} yet` };
  const data = join(dir, 'test_data_set_0');
  let inputs: Tensor[];
  let expected: Tensor[];
  try {
    inputs = readValues(data, 'input');
    expected = readValues(data, 'output');
  } catch (e) {
    return { name, op, status: 'skip', detail: `test data is not plain tensors: ${(e as Error).message}` };
  }
  try {
    const network = convertGraph(graph, registry);
    const feeds = new Map(graph.feedInputs.map((v, i) => [v.name, inputs[i]!]));
    const outputs = new ReferenceExecutor().run(network, feeds);
    const reports: CompareReport[] = network.outputs.map((o, i) => compareTensors(outputs.get(o)!, expected[i]!, { rtol: tol, atol: tol }));
    const bad = reports.findIndex((r) => !r.pass);
    if (bad >= 0) return { name, op, status: 'fail', detail: `output ${bad}: ${formatCompareReport(reports[bad]!, expected[bad]!.shape)}` };
    return { name, op, status: 'pass', detail: '' };
  } catch (e) {
    return { name, op, status: 'fail', detail: (e as Error).message };
  }
}
