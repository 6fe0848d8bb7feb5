import { convertGraph, createUffRegistry } from '@kiln-inference/converters';
import { isKilnError, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { importUff } from '@kiln-inference/uff';
import { describe, expect, it } from 'vitest';
import { INC, ORDERS, UffBuilder } from './uff-builder.js';

const HWCK = [2, INC, 1, 0];

/** x → Binary sub 1 → 1×1 Conv (N+C data, +CK weights) with two output channels (×2, ×−1). */
function preprocessedConv(): Uint8Array {
  const b = new UffBuilder();
  b.input('x', [])
    .constant('one', [], new Float32Array([1]))
    .constant('w', [1, 1, 1, 2], new Float32Array([2, -1]))
    .node('sub', 'Binary', ['x', 'one'], { func: { s: 'sub' } });
  b.node('conv', 'Conv', ['sub', 'w'], { inputs_orders: b.orders(ORDERS['N+C'], HWCK), strides: { ints: [1, 1] } }).node(
    'mark',
    'MarkOutput',
    ['conv'],
  );
  return b.finish();
}

function kilnError(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    if (isKilnError(e)) return e;
    throw e;
  }
  throw new Error('expected a KilnError');
}

describe('inputs registered CHW take the order declared past layout-preserving operations', () => {
  it('finds N+C behind a normalising Binary and feeds the convolution NHWC', () => {
    const graph = importUff(preprocessedConv(), { inputs: { x: { shape: [1, 2, 3], order: 'chw' } } });
    expect(graph.inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [1, 1, 2, 3] });
    const x = Tensor.fromValues('float32', [1, 1, 2, 3], [1, 2, 3, 4, 5, 6]);
    const y = new ReferenceExecutor().run(convertGraph(graph, createUffRegistry()), { x }).get('conv')!;
    // NHWC [1, 2, 3, 2]: per pixel (v − 1)·2 and (v − 1)·−1.
    const expected = [1, 2, 3, 4, 5, 6].flatMap((v) => [(v - 1) * 2, -(v - 1)]);
    expectTensorClose(y, Tensor.fromValues('float32', [1, 2, 3, 2], expected), { rtol: 1e-6, atol: 1e-6 });
  });

  it('refuses a CHW registration when nothing declares the input order, and when consumers disagree', () => {
    const b = new UffBuilder();
    b.input('x', []).constant('shape', [2], new Int32Array([1, -1]));
    b.node('flat', 'Reshape', ['x', 'shape']).node('mark', 'MarkOutput', ['flat']);
    const none = kilnError(() => importUff(b.finish(), { inputs: { x: { shape: [1, 2, 3], order: 'chw' } } }));
    expect(none.message).toMatch(/no operation declares the dimension order of input 'x'/);

    const c = new UffBuilder();
    c.input('x', []).constant('w', [1, 1, 1, 1], new Float32Array([1]));
    c.node('a', 'Conv', ['x', 'w'], { inputs_orders: c.orders(ORDERS['N+C'], HWCK) })
      .node('b', 'Conv', ['x', 'w'], { inputs_orders: c.orders(ORDERS['NC+'], [0, 1, 2, INC]) })
      .node('mark', 'MarkOutput', ['a']);
    const conflict = kilnError(() => importUff(c.finish(), { inputs: { x: { shape: [1, 2, 2], order: 'chw' } } }));
    expect(conflict.message).toMatch(/consumers of input 'x' declare different dimension orders \(a, b\)/);
  });

  it('registers an [N, C] input CHW without any declared order', () => {
    const b = new UffBuilder();
    b.input('x', [])
      .node('act', 'Activation', ['x'], { func: { s: 'relu' } })
      .node('mark', 'MarkOutput', ['act']);
    const graph = importUff(b.finish(), { inputs: { x: { shape: [3], order: 'chw', batch: 'N' } } });
    expect(graph.inputs[0]!.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: ['N', 3] });
  });
});
