import { type AttributeValue, Graph, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertGraph, createUffRegistry } from '../src/index.js';

const close = { rtol: 1e-5, atol: 1e-6 };
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const INC = 2147483647;

function orders(order: number[]): AttributeValue {
  const entry: AttributeValue = { kind: 'func', value: { name: 'dim_orders', attributes: { '-1': { kind: 'ints', value: order } } } };
  return { kind: 'func', value: { name: 'dim_orders_list', attributes: { '0': entry } } };
}

function run(op: string, x: Tensor, attributes: Record<string, AttributeValue>, weights: Tensor[] = []): Tensor {
  const names = weights.map((_, i) => `w${i}`);
  const graph = new Graph({
    format: 'uff',
    nodes: [{ name: 'n', op, domain: 'uff', inputs: ['x', ...names], outputs: ['n'], attributes }],
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: x.shape } }],
    outputs: [{ name: 'n', type: null }],
    weights: new Map(names.map((n, i) => [n, weights[i]!])),
  });
  return new ReferenceExecutor().run(convertGraph(graph, createUffRegistry()), { x }).get('n')!;
}

const float = (value: number): AttributeValue => ({ kind: 'float', value });

describe('UFF BatchNorm and LRN work across the declared channel dim', () => {
  const stats = [f32([2], [1, 2]), f32([2], [0, 1]), f32([2], [1, 2]), f32([2], [4, 1])]; // gamma, beta, mean, variance

  it('BatchNorm on N+C data: (x − mean)/√(var + ε)·γ + β per stored last dim', () => {
    const y = run('BatchNorm', f32([1, 1, 2, 2], [1, 2, 3, 4]), { epsilon: float(0), inputs_orders: orders([0, 2, INC, 1]) }, stats);
    expectTensorClose(y, f32([1, 1, 2, 2], [0, 1, 1, 5]), close);
  });

  it('BatchNorm on NC+ data uses stored dim 1', () => {
    const y = run('BatchNorm', f32([1, 2, 1, 2], [1, 3, 2, 4]), { epsilon: float(0), inputs_orders: orders([0, 1, 2, INC]) }, stats);
    expectTensorClose(y, f32([1, 2, 1, 2], [0, 1, 1, 5]), close);
  });

  it('BatchNorm rejects statistics computed at run time', () => {
    const graph = new Graph({
      format: 'uff',
      nodes: [{ name: 'n', op: 'BatchNorm', domain: 'uff', inputs: ['x', 'g', 'b', 'm', 'v'], outputs: ['n'], attributes: {} }],
      inputs: ['x', 'g', 'b', 'm', 'v'].map((name) => ({
        name,
        type: { kind: 'tensor' as const, dtype: 'float32' as const, shape: name === 'x' ? [1, 2] : [2] },
      })),
      outputs: [{ name: 'n', type: null }],
    });
    expect(() => convertGraph(graph, createUffRegistry())).toThrow(/BatchNorm gamma \(input 1\) must be a constant/);
  });

  it("LRN sums squares over 2·window_size + 1 channels, TensorFlow's way, in either order", () => {
    const attrs = { window_size: { kind: 'int', value: 1 }, alpha: float(1), beta: float(1), k: float(1) } as const;
    const expected = [1 / 6, 2 / 15, 3 / 14];
    expectTensorClose(
      run('LRN', f32([1, 1, 1, 3], [1, 2, 3]), { ...attrs, inputs_orders: orders([0, 2, INC, 1]) }),
      f32([1, 1, 1, 3], expected),
      close,
    );
    expectTensorClose(
      run('LRN', f32([1, 3, 1, 1], [1, 2, 3]), { ...attrs, inputs_orders: orders([0, 1, 2, INC]) }),
      f32([1, 3, 1, 1], expected),
      close,
    );
  });
});
