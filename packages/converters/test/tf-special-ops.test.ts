import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { checkSupport, convertGraph, createTfRegistry } from '../src/index.js';
import { a, runOp, tfGraph } from './tf-test-graph.js';

const close = { rtol: 1e-5, atol: 1e-6 };
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const i32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('int32', shape, values);
const w = (t: Tensor): { weight: Tensor } => ({ weight: t });

describe('TF resize (NHWC)', () => {
  const row = f32([1, 1, 2, 1], [0, 3]);
  const bilinear = (attrs: Record<string, boolean>): Tensor =>
    runOp('ResizeBilinear', [row, w(i32([2], [1, 4]))], Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, a.b(v)])))[0]!;

  it('ResizeBilinear: legacy (asymmetric), half_pixel_centers and align_corners', () => {
    expectTensorClose(bilinear({}), f32([1, 1, 4, 1], [0, 1.5, 3, 3]), close);
    expectTensorClose(bilinear({ half_pixel_centers: true }), f32([1, 1, 4, 1], [0, 0.75, 2.25, 3]), close);
    expectTensorClose(bilinear({ align_corners: true }), f32([1, 1, 4, 1], [0, 1, 2, 3]), close);
  });

  it('ResizeNearestNeighbor: floor, half-pixel floor and align_corners rounding', () => {
    const x = f32([1, 1, 2, 1], [10, 20]);
    const nn = (attrs: Record<string, boolean>): Tensor =>
      runOp('ResizeNearestNeighbor', [x, w(i32([2], [1, 3]))], Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, a.b(v)])))[0]!;
    expectTensorClose(nn({}), f32([1, 1, 3, 1], [10, 10, 20]), close);
    expectTensorClose(nn({ half_pixel_centers: true }), f32([1, 1, 3, 1], [10, 20, 20]), close);
    expectTensorClose(nn({ align_corners: true }), f32([1, 1, 3, 1], [10, 20, 20]), close);
  });
});

describe('TF NonMaxSuppression', () => {
  // Box 1 overlaps box 0 (IoU 0.82); box 2 is apart.
  const boxes = w(f32([3, 4], [0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, 2, 1, 3]));
  const scores = w(f32([3], [0.9, 0.8, 0.7]));
  const common = [boxes, scores, w(i32([], [3])), w(f32([], [0.5]))];

  it('V3 drops overlapping boxes and honours the score threshold', () => {
    expect(runOp('NonMaxSuppressionV3', [...common, w(f32([], [0]))])[0]!.toArray()).toEqual([0, 2]);
    expect(runOp('NonMaxSuppressionV3', [...common, w(f32([], [0.75]))])[0]!.toArray()).toEqual([0]);
  });

  it('V4 pads to max_output_size and counts the valid boxes', () => {
    const [indices, valid] = runOp('NonMaxSuppressionV4', [...common, w(f32([], [0]))], { pad_to_max_output_size: a.b(true) }, 2);
    expect(indices!.toArray()).toEqual([0, 2, 0]);
    expect(valid!.toArray()).toEqual([2]);
  });

  it('V5 returns the selected scores (soft NMS: tf-coverage-nn.test.ts)', () => {
    const [indices, selected, valid] = runOp('NonMaxSuppressionV5', [...common, w(f32([], [0])), w(f32([], [0]))], {}, 3);
    expect(indices!.toArray()).toEqual([0, 2]);
    expectTensorClose(selected!, f32([2], [0.9, 0.7]), close);
    expect(valid!.toArray()).toEqual([2]);
  });
});

describe('TF simulated quantization', () => {
  it('FakeQuantWithMinMaxArgs nudges the range so zero is exact', () => {
    const s = 2 / 255;
    const [y] = runOp('FakeQuantWithMinMaxArgs', [f32([4], [-2, 0, 0.3, 2])], { min: a.f(-1), max: a.f(1), num_bits: a.i(8) });
    expectTensorClose(y!, f32([4], [-128 * s, 0, 38 * s, 127 * s]), close);
  });

  it('FakeQuantWithMinMaxVars reads the range from constant inputs and keeps it on Q/DQ layers', () => {
    const graph = tfGraph({
      inputs: { x: { dtype: 'float32', shape: [2] } },
      weights: { lo: f32([], [0]), hi: f32([], [2.55]) },
      nodes: [{ name: 'fq', op: 'FakeQuantWithMinMaxVars', inputs: ['x', 'lo', 'hi'] }],
      outputs: ['fq'],
    });
    const network = convertGraph(graph, createTfRegistry());
    const q = network.layers.find((l) => l.kind === 'quantize')!;
    expect(q.params).toMatchObject({ quantizedType: 'uint8', axis: null });
    const scale = network.layers.find((l) => l.kind === 'constant' && l.outputs[0] === q.inputs[1]);
    expect(scale?.kind === 'constant' && scale.params.value.toArray()[0]).toBeCloseTo(0.01, 7);
  });

  it('FakeQuantWithMinMaxVarsPerChannel quantizes each last-axis channel on its own grid', () => {
    const [y] = runOp('FakeQuantWithMinMaxVarsPerChannel', [
      f32([2, 2], [0.3, 1.234, -5, 9]),
      w(f32([2], [-1, 0])),
      w(f32([2], [1, 2.55])),
    ]);
    // channel 0: step 2/255, zero point 128; channel 1: step 0.01, zero point 0.
    expectTensorClose(y!, f32([2, 2], [(38 * 2) / 255, 1.23, (-128 * 2) / 255, 2.55]), close);
  });

  it('QuantizeAndDequantizeV3 takes num_bits as an input', () => {
    const [y] = runOp('QuantizeAndDequantizeV3', [f32([3], [0.3, -0.3, 5]), w(f32([], [-1])), w(f32([], [1])), w(i32([], [4]))], {
      range_given: a.b(true),
    });
    // 4 signed bits: levels −8…7, step 1/7.
    expectTensorClose(y!, f32([3], [2 / 7, -2 / 7, 1]), close);
  });

  it('QuantizeAndDequantizeV2 with range_given rounds to the symmetric int8 grid', () => {
    const [y] = runOp('QuantizeAndDequantizeV2', [f32([4], [-2, 0.5, 0.3, 2]), w(f32([], [-1])), w(f32([], [1]))], {
      range_given: a.b(true),
      signed_input: a.b(true),
      num_bits: a.i(8),
    });
    expectTensorClose(y!, f32([4], [-128 / 127, 64 / 127, 38 / 127, 1]), close);
  });
});

describe('TF random and control flow', () => {
  it('RandomUniform fills the constant shape with values in [0, 1)', () => {
    const [y] = runOp('RandomUniform', [w(i32([1], [1000]))], { dtype: a.type('float32'), seed: a.i(3) });
    const v = y!.toFloat32();
    expect(v.length).toBe(1000);
    expect(v.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });

  it('TF1 control-flow frames parse but report why they do not convert', () => {
    const graph = tfGraph({
      inputs: { x: { dtype: 'float32', shape: [1] }, p: { dtype: 'bool', shape: [] } },
      nodes: [{ name: 'sw', op: 'Switch', inputs: ['x', 'p'], outputs: 2 }],
      outputs: ['sw'],
    });
    const verdict = checkSupport(createTfRegistry(), graph, graph.nodes[0]!);
    expect(verdict).toMatchObject({ supported: false, category: 'unsupported-op' });
    expect(verdict.supported === false && verdict.reason).toMatch(/TensorFlow 1 control flow/);
    expect(() => convertGraph(graph, createTfRegistry())).toThrow(/node 'sw' \(Switch\).*TensorFlow 1 control flow/);
  });

  it('validators require constant axes and filters, looking through Identity reads of weights', () => {
    const graph = tfGraph({
      inputs: { x: { dtype: 'float32', shape: [1, 4, 4, 1] }, perm: { dtype: 'int32', shape: [4] } },
      weights: { filter: f32([1, 1, 1, 1], [2]) },
      nodes: [
        { name: 'filter/read', op: 'Identity', inputs: ['filter'] },
        { name: 'conv', op: 'Conv2D', inputs: ['x', 'filter/read'], attrs: { strides: a.ints([1, 1, 1, 1]), padding: a.s('VALID') } },
        { name: 'tr', op: 'Transpose', inputs: ['conv', 'perm'] },
      ],
      outputs: ['tr'],
    });
    const registry = createTfRegistry();
    expect(checkSupport(registry, graph, graph.nodes[1]!).supported).toBe(true);
    expect(checkSupport(registry, graph, graph.nodes[2]!)).toMatchObject({ supported: false, category: 'dynamic-shape' });
  });

  it('an op kiln has no converter for is named in the error', () => {
    const graph = tfGraph({
      inputs: { x: { dtype: 'float32', shape: [1] } },
      nodes: [{ name: 'odd', op: 'Bucketize', inputs: ['x'] }],
      outputs: ['odd'],
    });
    expect(() => convertGraph(graph, createTfRegistry())).toThrow(/node 'odd' \(Bucketize\): no converter for tf::Bucketize/);
  });
});
