import { convertGraph, createUffRegistry } from '@kiln-inference/converters';
import { Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { importUff } from '@kiln-inference/uff';
import { describe, expect, it } from 'vitest';
import { ORDERS, UffBuilder } from './uff-builder.js';

/**
 * A Keras-style MLP 4-3-2 as the UFF converter wrote it: MatMul → FullyConnected (NC, CK),
 * BiasAdd → Binary add, Relu → Activation, and TensorFlow's axis-less Softmax → Softmax with
 * axis 0 and inputs_orders N+C (TensorRT's C, the classes).
 */
const W1 = [0.5, -1, 0.25, 1, 0.5, -0.5, -0.25, 0.75, 1, 0.1, -0.2, 0.3]; // [4, 3]
const B1 = [0.1, -0.2, 0.05];
const W2 = [1, -1, 0.5, 2, -0.75, 0.25]; // [3, 2]
const B2 = [0.2, -0.1];

function mlpUff(inputShape: number[]): Uint8Array {
  const b = new UffBuilder();
  b.input('x', inputShape)
    .constant('w1', [4, 3], new Float32Array(W1))
    .constant('b1', [3], new Float32Array(B1))
    .constant('w2', [3, 2], new Float32Array(W2))
    .constant('b2', [2], new Float32Array(B2));
  const fc = b.orders(ORDERS.NC, ORDERS.CK);
  b.node('dense/MatMul', 'FullyConnected', ['x', 'w1'], { inputs_orders: fc })
    .node('dense/BiasAdd', 'Binary', ['dense/MatMul', 'b1'], { func: { s: 'add' } })
    .node('dense/Relu', 'Activation', ['dense/BiasAdd'], { func: { s: 'relu' } })
    .node('out/MatMul', 'FullyConnected', ['dense/Relu', 'w2'], { inputs_orders: fc })
    .node('out/BiasAdd', 'Binary', ['out/MatMul', 'b2'], { func: { s: 'add' } })
    .node('out/Softmax', 'Softmax', ['out/BiasAdd'], { axis: { i: 0 }, inputs_orders: b.orders(ORDERS['N+C']) })
    .node('MarkOutput_0', 'MarkOutput', ['out/Softmax']);
  return b.finish();
}

/** The MLP computed directly in float64. */
function expected(x: number[][]): number[] {
  return x.flatMap((row) => {
    const h = B1.map((bias, j) => Math.max(0, bias + row.reduce((s, v, i) => s + v * W1[i * 3 + j]!, 0)));
    const logits = B2.map((bias, k) => bias + h.reduce((s, v, j) => s + v * W2[j * 2 + k]!, 0));
    const m = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - m));
    const sum = e.reduce((a, c) => a + c, 0);
    return e.map((v) => v / sum);
  });
}

const X = [
  [1, 2, 3, 4],
  [-1, 0.5, 2, -3],
  [0.3, -0.7, 1.1, 0.2],
];

describe('UFF MLP: the softmax is over the classes', () => {
  it('normalises each sample over its classes, in the file order with a batch of 3', () => {
    const graph = importUff(mlpUff([-1, 4]), { inputShapes: { x: [3, 4] } });
    const y = new ReferenceExecutor().run(convertGraph(graph, createUffRegistry()), { x: Tensor.fromValues('float32', [3, 4], X.flat()) });
    const probs = y.get('out/Softmax')!;
    const values = Array.from(probs.toFloat32());
    for (let s = 0; s < 3; s++) expect(values[2 * s]! + values[2 * s + 1]!).toBeCloseTo(1, 6);
    expect(values.some((v) => v > 0.999)).toBe(false);
    expectTensorClose(probs, Tensor.fromValues('float32', [3, 2], expected(X)), { rtol: 1e-5, atol: 1e-6 });
  });

  it("registered TensorRT's way (x=4, NC: C only, batch implicit) gives the same", () => {
    const graph = importUff(mlpUff([]), { inputs: { x: { shape: [4], order: 'chw', batch: 3 } } });
    expect(graph.inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [3, 4] });
    const y = new ReferenceExecutor().run(convertGraph(graph, createUffRegistry()), { x: Tensor.fromValues('float32', [3, 4], X.flat()) });
    expectTensorClose(y.get('out/Softmax')!, Tensor.fromValues('float32', [3, 2], expected(X)), { rtol: 1e-5, atol: 1e-6 });
  });

  it('reads the declared -1 batch of the file as an unknown dim', () => {
    const graph = importUff(mlpUff([-1, 4]));
    expect(graph.inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [null, 4] });
  });

  it('rejects a CHW registration whose rank the file contradicts', () => {
    expect(() => importUff(mlpUff([-1, 4]), { inputs: { x: { shape: [2, 2], order: 'chw' } } })).toThrow(
      /registered as CHW \[2,2\].*declares rank 2/,
    );
  });
});
