import { type AttributeValue, Graph, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, it } from 'vitest';
import { convertGraph, createUffRegistry } from '../src/index.js';

const close = { rtol: 1e-5, atol: 1e-6 };
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const INC = 2147483647;

/** A `*_orders` attribute as the UFF importer writes it: one SPECIAL-key order per input. */
function orders(...perInput: number[][]): AttributeValue {
  const attributes: Record<string, AttributeValue> = {};
  perInput.forEach((o, i) => {
    attributes[String(i)] = { kind: 'func', value: { name: 'dim_orders', attributes: { '-1': { kind: 'ints', value: o } } } };
  });
  return { kind: 'func', value: { name: 'dim_orders_list', attributes } };
}

function run(op: string, x: Tensor, attributes: Record<string, AttributeValue>, weight?: Tensor): Tensor {
  const graph = new Graph({
    format: 'uff',
    nodes: [{ name: 'n', op, domain: 'uff', inputs: weight ? ['x', 'w'] : ['x'], outputs: ['n'], attributes }],
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: x.shape } }],
    outputs: [{ name: 'n', type: null }],
    weights: new Map(weight ? [['w', weight]] : []),
  });
  return new ReferenceExecutor().run(convertGraph(graph, createUffRegistry()), { x }).get('n')!;
}

const NHWC = [0, 2, INC, 1];
const HWIO = [2, INC, 1, 0];
const NCHW = [0, 1, 2, INC];
const KCHW = [0, 1, 2, INC];

describe('UFF layers honour dimension orders', () => {
  const x = f32([1, 2, 2, 1], [1, 2, 3, 4]);

  it('Conv on N+C data with +CK (HWIO) weights, VALID by default', () => {
    // Two output channels: sum of the window, and twice the top-left pixel.
    const w = f32([2, 2, 1, 2], [1, 2, 1, 0, 1, 0, 1, 0]);
    expectTensorClose(
      run('Conv', x, { inputs_orders: orders(NHWC, HWIO), strides: { kind: 'ints', value: [1, 1] } }, w),
      f32([1, 1, 1, 2], [10, 2]),
      close,
    );
  });

  it('Conv on NCHW data with KCHW weights and explicit padding', () => {
    const w = f32([1, 1, 1, 1], [3]);
    const y = run(
      'Conv',
      f32([1, 1, 1, 2], [1, 2]),
      { inputs_orders: orders(NCHW, KCHW), padding: { kind: 'ints', value: [0, 1, 0, 0] } },
      w,
    );
    expectTensorClose(y, f32([1, 1, 1, 3], [0, 3, 6]), close);
  });

  it('Pool max and avg on N+C data', () => {
    const attrs = (func: string): Record<string, AttributeValue> => ({
      func: { kind: 'string', value: func },
      kernel: { kind: 'ints', value: [2, 2] },
      strides: { kind: 'ints', value: [2, 2] },
      inputs_orders: orders(NHWC),
    });
    expectTensorClose(run('Pool', x, attrs('max')), f32([1, 1, 1, 1], [4]), close);
    expectTensorClose(run('Pool', x, attrs('avg')), f32([1, 1, 1, 1], [2.5]), close);
  });

  it('FullyConnected with [out, in] weights transposes them', () => {
    const y = run('FullyConnected', f32([1, 2], [1, 2]), { inputs_orders: orders([0, 1], [0, 1]) }, f32([3, 2], [1, 0, 0, 1, 1, 1]));
    expectTensorClose(y, f32([1, 3], [1, 2, 3]), close);
  });

  it('Flatten, Softmax and Binary', () => {
    expectTensorClose(run('Flatten', x, {}), f32([1, 4], [1, 2, 3, 4]), close);
    const e = Math.exp(1);
    expectTensorClose(
      run('Softmax', f32([1, 2], [0, 1]), { inputs_orders: orders([0, 1]) }),
      f32([1, 2], [1 / (1 + e), e / (1 + e)]),
      close,
    );
    expectTensorClose(
      run('Binary', f32([2], [1, 2]), { func: { kind: 'string', value: 'mul' } }, f32([2], [3, 4])),
      f32([2], [3, 8]),
      close,
    );
  });
});
