// The CUDA backend end to end, on the GPU host (skipped elsewhere): a corpus detector whose
// transposed convolutions stay on the reference kernels, so a run alternates CUDA programs and
// CPU stages (hybrid). Its outputs must match the CPU backend's.
import { join } from 'node:path';
import { convertGraph, createOnnxRegistry, createTfRegistry } from '@kiln-inference/converters';
import { Graph, type GraphNode, Tensor } from '@kiln-inference/core';
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
const int = (value: number) => ({ kind: 'int' as const, value });
const int32 = (shape: number[], values: number[]) => new Tensor('int32', shape, Int32Array.from(values));
const int64 = (shape: number[], values: number[]) => new Tensor('int64', shape, BigInt64Array.from(values.map(BigInt)));

/**
 * MoveNet-style index math on every new Program op: arg max, casts (saturating float → uint8 and
 * int8, int → float), integer div/mod by 0 and −1 and a wrapping add, float and integer
 * comparisons, where, gather, gather_nd, and integer concat, transpose, pad, slice and reshape.
 * x holds halves of small integers, exact in half precision, so fp16 runs must match exactly too.
 */
function indexMath(): Graph {
  const weights = new Map<string, Tensor>([
    ['divisor', int32([3], [2, 0, -1])],
    ['modulus', int32([3], [3, -2, 0])],
    ['wrap', int32([3], [2147483647, -2147483648, 7])],
    ['zero', new Tensor('float32', [], Float32Array.of(0))],
    ['floor_value', new Tensor('float32', [], Float32Array.of(-0.25))],
    ['columns', int64([4], [-1, 0, 3, 2])],
    ['rows', int64([2, 2], [1, 4, 0, -1])],
    ['pads', int64([8], [0, 0, 1, 0, 0, 0, 0, 2])],
    ['pad_value', int32([], [7])],
    ['starts', int64([2], [1, 0])],
    ['ends', int64([2], [4, 6])],
    ['axes', int64([2], [2, 3])],
    ['steps', int64([2], [2, 3])],
    ['flat', int64([2], [2, 12])],
  ]);
  const nodes: GraphNode[] = [
    node('arg', 'ArgMax', ['x'], { axis: int(1), keepdims: int(1) }),
    node('arg32', 'Cast', ['arg'], { to: int(6) }),
    node('quotient', 'Div', ['arg32', 'divisor']),
    node('remainder', 'Mod', ['arg32', 'modulus']),
    node('wrapped', 'Add', ['arg32', 'wrap']),
    node('bytes', 'Cast', ['x'], { to: int(2) }),
    node('signed_bytes', 'Cast', ['x'], { to: int(3) }),
    node('positive', 'Greater', ['x', 'zero']),
    node('clamped', 'Where', ['positive', 'x', 'floor_value']),
    node('same', 'Equal', ['arg32', 'divisor']),
    node('picked', 'Gather', ['x', 'columns'], { axis: int(2) }),
    node('rows_picked', 'GatherND', ['x', 'rows']),
    node('joined', 'Concat', ['quotient', 'remainder'], { axis: int(3) }),
    node('turned', 'Transpose', ['joined'], { perm: ints([0, 3, 2, 1]) }),
    node('padded', 'Pad', ['arg32', 'pads', 'pad_value']),
    node('sliced', 'Slice', ['joined', 'starts', 'ends', 'axes', 'steps']),
    node('reshaped', 'Reshape', ['wrapped', 'flat']),
    node('as_float', 'Cast', ['quotient'], { to: int(1) }),
  ];
  const outputs = [
    'arg',
    'bytes',
    'signed_bytes',
    'clamped',
    'same',
    'picked',
    'rows_picked',
    'turned',
    'padded',
    'sliced',
    'reshaped',
    'as_float',
  ];
  return new Graph({
    format: 'onnx',
    name: 'index-math',
    nodes,
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [2, 5, 4, 3] } }],
    outputs: outputs.map((name) => ({ name, type: null })),
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

describe.skipIf(!gpu)(`CUDA programs for integer index math${gpu ? '' : ` (skipped: ${status.reason ?? 'no GPU'})`}`, () => {
  for (const precision of ['fp32', 'fp16'] as const) {
    it(`runs every index-math op in one ${precision} CUDA program, matching the CPU backend exactly`, async () => {
      const network = () => convertGraph(indexMath(), createOnnxRegistry());
      const halves = randomTensor('float32', [2, 5, 4, 3], 41, -8, 8).data as Float32Array;
      const x = new Tensor(
        'float32',
        [2, 5, 4, 3],
        halves.map((v) => Math.round(v) / 2),
      );
      const expected = await (await Engine.create(await buildPlan(network()), { execution: 'inline' })).createExecutionContext().run({ x });
      const plan = await buildPlan(network(), { backend: 'cuda', precision });
      const lowered = lowerNetwork(plan.network, new Map([['x', [2, 5, 4, 3]]]), { target: 'cuda' });
      expect(lowered.stages.map((s) => s.kind)).toEqual(['program']);
      const actual = await (await Engine.create(plan)).createExecutionContext().run({ x });
      for (const [name, value] of Object.entries(expected)) {
        const got = actual[name] as Tensor;
        expect({ name, dtype: got.dtype, shape: got.shape }).toEqual({
          name,
          dtype: (value as Tensor).dtype,
          shape: (value as Tensor).shape,
        });
        expect(Array.from(got.data as ArrayLike<number | bigint>), name).toEqual(
          Array.from((value as Tensor).data as ArrayLike<number | bigint>),
        );
      }
    });
  }
});

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

  it('runs MoveNet (TF.js, integer keypoint decoding) as one CUDA program like the CPU backend', async () => {
    const network = convertGraph(await loadTfjsModel(join(corpus ?? '', 'tf/tfjs/models/movenet-lightning.json')), createTfRegistry());
    const input = network.inputs[0]!;
    const shape = (input.shape ?? []).map((d) => (typeof d === 'number' ? d : 1));
    const pixels = randomTensor('float32', shape, 9, 0, 255).data as Float32Array;
    const feeds = { [input.name]: new Tensor('int32', shape, Int32Array.from(pixels, Math.floor)) };
    const expected = await (await Engine.create(await buildPlan(network), { execution: 'inline' })).createExecutionContext().run(feeds);
    const plan = await buildPlan(network, { backend: 'cuda', precision: 'fp32' });
    const lowered = lowerNetwork(plan.network, new Map([[input.name, shape]]), { target: 'cuda' });
    expect(lowered.stages.map((s) => s.kind)).toEqual(['program']);
    const actual = await (await Engine.create(plan)).createExecutionContext().run(feeds);
    for (const [name, value] of Object.entries(expected)) {
      expectTensorClose(actual[name] as Tensor, value as Tensor, { rtol: 1e-3, atol: 1e-3 });
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
