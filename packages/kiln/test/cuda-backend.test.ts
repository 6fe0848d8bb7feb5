// The CUDA backend end to end, on the GPU host (skipped elsewhere): a corpus detector whose
// transposed convolutions stay on the reference kernels, so a run alternates CUDA programs and
// CPU stages (hybrid). Its outputs must match the CPU backend's.
import { join } from 'node:path';
import { convertGraph, createOnnxRegistry, createTfRegistry } from '@kiln-inference/converters';
import { Graph, type GraphNode, type Tensor } from '@kiln-inference/core';
import { cudaStatus } from '@kiln-inference/cuda-runtime';
import { lowerNetwork } from '@kiln-inference/engine';
import { loadOnnxFile } from '@kiln-inference/onnx';
import { CORPUS_MISSING_MESSAGE, corpusDir, expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { loadTfjsModel } from '@kiln-inference/tf-graph';
import { describe, expect, it } from 'vitest';
import { buildPlan, CpuBackend, CudaBackend, Engine } from '../src/index.js';

const status = cudaStatus();
const gpu = status.devices.length > 0;

const node = (name: string, op: string, inputs: string[], attributes: GraphNode['attributes'] = {}): GraphNode => ({
  name,
  op,
  domain: '',
  inputs,
  outputs: [name],
  attributes,
});
const ints = (value: number[]) => ({ kind: 'ints' as const, value });

/**
 * PRelu with a per-channel slope, a grouped, strided, padded ConvTranspose with bias, and every
 * unary op (on inputs in each op's domain): the ops facemesh and PaddleOCR's detector need.
 */
function preluDeconvUnary(): Graph {
  const weights = new Map([
    ['slope', randomTensor('float32', [4, 1, 1], 31, -0.5, 0.5)],
    ['w', randomTensor('float32', [4, 3, 3, 3], 32, -0.5, 0.5)],
    ['b', randomTensor('float32', [6], 33, -0.5, 0.5)],
  ]);
  const unary = ['Abs', 'Neg', 'Exp', 'Sin', 'Cos', 'Tan', 'Erf', 'Floor', 'Ceil', 'Round', 'Sign', 'Reciprocal'];
  return new Graph({
    format: 'onnx',
    name: 'prelu-deconv-unary',
    nodes: [
      node('prelu', 'PRelu', ['x', 'slope']),
      node('up', 'ConvTranspose', ['prelu', 'w', 'b'], {
        strides: ints([2, 2]),
        pads: ints([1, 0, 0, 1]),
        group: { kind: 'int', value: 2 },
      }),
      ...unary.map((op) => node(op.toLowerCase(), op, ['up'])),
      node('abs_up', 'Abs', ['up']),
      node('sqrt', 'Sqrt', ['abs_up']),
      node('log', 'Log', ['abs_up']),
    ],
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [2, 4, 5, 6] } }],
    outputs: [...unary.map((op) => op.toLowerCase()), 'sqrt', 'log'].map((name) => ({ name, type: null })),
    weights,
    opsetImports: [{ domain: '', version: 17 }],
  });
}
const corpus = corpusDir();
const reason = status.devices.length === 0 ? (status.reason ?? 'no GPU') : corpus ? '' : CORPUS_MISSING_MESSAGE;

describe.skipIf(!gpu)(
  `CUDA programs for PRelu, ConvTranspose and unary ops${gpu ? '' : ` (skipped: ${status.reason ?? 'no GPU'})`}`,
  () => {
    it('runs them natively in one CUDA program and matches the CPU backend', async () => {
      const network = () => convertGraph(preluDeconvUnary(), createOnnxRegistry());
      const x = randomTensor('float32', [2, 4, 5, 6], 34, -2, 2);
      const cpu = await Engine.create(await buildPlan(network()), { execution: 'inline' });
      const expected = await cpu.createExecutionContext().run({ x });
      const plan = await buildPlan(network(), { backend: 'cuda', precision: 'fp32' });
      const lowered = lowerNetwork(plan.network, new Map([['x', [2, 4, 5, 6]]]));
      expect(lowered.stages.map((s) => s.kind)).toEqual(['program']);
      const engine = await Engine.create(plan);
      const actual = await engine.createExecutionContext().run({ x });
      for (const [name, value] of Object.entries(expected)) {
        expectTensorClose(actual[name] as Tensor, value as Tensor, { rtol: 1e-4, atol: 1e-4 });
      }
    });
  },
);

describe.skipIf(reason !== '')(`CudaBackend${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('runs a hybrid plan (CUDA programs + reference stages) like the CPU backend', async () => {
    const graph = await loadOnnxFile(join(corpus ?? '', 'onnx-models/paddleocr-ppocrv4-det/ch_PP-OCRv4_det_infer.onnx'));
    const plan = await buildPlan(convertGraph(graph, createOnnxRegistry()), { tune: false, memory: false });
    const input = plan.network.inputs[0]?.name ?? 'x';
    const feeds = new Map([[input, randomTensor('float32', [1, 3, 64, 64], 7, 0, 1)]]);
    const cpu = new CpuBackend({ execution: 'inline' }).createRunner(plan, () => new Uint8Array());
    const expected = await cpu.run(feeds);
    for (const [precision, tol] of [
      ['fp32', { rtol: 1e-3, atol: 1e-4 }],
      ['fp16', { rtol: 3e-2, atol: 3e-2 }],
    ] as const) {
      const backend = new CudaBackend({ precision });
      expect(backend.device().arch).toMatch(/^\d+\.\d+$/);
      const runner = backend.createRunner(plan, () => new Uint8Array());
      for (let run = 0; run < 2; ++run) {
        const actual = await runner.run(feeds);
        for (const [name, value] of expected) expectTensorClose(actual.get(name) as Tensor, value as Tensor, tol);
      }
      await runner.dispose();
    }
  });

  it('runs facemesh (TF.js, 24 PReLUs) as one CUDA program like the CPU backend', async () => {
    const network = convertGraph(await loadTfjsModel(join(corpus ?? '', 'tf/tfjs/models/facemesh.json')), createTfRegistry());
    const input = network.inputs[0]!;
    const shape = (input.shape ?? []).map((d) => (typeof d === 'number' ? d : 1));
    const feeds = { [input.name]: randomTensor('float32', shape, 8, 0, 1) };
    const expected = await (await Engine.create(await buildPlan(network), { execution: 'inline' })).createExecutionContext().run(feeds);
    const plan = await buildPlan(network, { backend: 'cuda', precision: 'fp32' });
    const lowered = lowerNetwork(plan.network, new Map([[input.name, shape]]));
    expect(lowered.stages.map((s) => s.kind)).toEqual(['program']);
    const actual = await (await Engine.create(plan)).createExecutionContext().run(feeds);
    for (const [name, value] of Object.entries(expected)) {
      expectTensorClose(actual[name] as Tensor, value as Tensor, { rtol: 1e-3, atol: 1e-3 });
    }
  });
});
