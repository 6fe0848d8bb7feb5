import { type AttributeValue, Graph, isKilnError, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertGraph, createUffRegistry } from '../src/index.js';

const close = { rtol: 1e-5, atol: 1e-6 };
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const i32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('int32', shape, values);
const INC = 2147483647;
const NHWC = [0, 2, INC, 1];
const NCHW = [0, 1, 2, INC];

/** A `*_orders` attribute as the UFF importer writes it: one SPECIAL-key order per input. */
function orders(...perInput: number[][]): AttributeValue {
  const attributes: Record<string, AttributeValue> = {};
  perInput.forEach((o, i) => {
    attributes[String(i)] = { kind: 'func', value: { name: 'dim_orders', attributes: { '-1': { kind: 'ints', value: o } } } };
  });
  return { kind: 'func', value: { name: 'dim_orders_list', attributes } };
}

const int = (value: number): AttributeValue => ({ kind: 'int', value });
const ints = (...value: number[]): AttributeValue => ({ kind: 'ints', value });
const str = (value: string): AttributeValue => ({ kind: 'string', value });

/** Runs one UFF node: `data` become graph inputs, `weights` constants, in the order given. */
function run(
  op: string,
  attributes: Record<string, AttributeValue>,
  data: Record<string, Tensor>,
  weights: Record<string, Tensor> = {},
): Tensor {
  const graph = new Graph({
    format: 'uff',
    nodes: [{ name: 'n', op, domain: 'uff', inputs: [...Object.keys(data), ...Object.keys(weights)], outputs: ['n'], attributes }],
    inputs: Object.entries(data).map(([name, t]) => ({ name, type: { kind: 'tensor' as const, dtype: t.dtype, shape: t.shape } })),
    outputs: [{ name: 'n', type: null }],
    weights: new Map(Object.entries(weights)),
  });
  return new ReferenceExecutor().run(convertGraph(graph, createUffRegistry()), data).get('n')!;
}

function softmax(values: number[]): number[] {
  const m = Math.max(...values);
  const e = values.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('UFF axes are read through the declared orders', () => {
  // [N=1, H=1, W=2, C=3] stored NHWC.
  const nhwc = f32([1, 1, 2, 3], [0, 1, 2, 3, 5, 4]);

  it('Softmax axis 0 on N+C data normalises over C, the last stored dim', () => {
    const y = run('Softmax', { axis: int(0), inputs_orders: orders(NHWC) }, { x: nhwc });
    expectTensorClose(y, f32([1, 1, 2, 3], [...softmax([0, 1, 2]), ...softmax([3, 5, 4])]), close);
  });

  it('Softmax axis 0 on NC+ data normalises over the stored dim 1', () => {
    const nchw = f32([1, 2, 1, 2], [0, 1, 2, 4]);
    const y = run('Softmax', { axis: int(0), inputs_orders: orders(NCHW) }, { x: nchw });
    const [a, c] = softmax([0, 2]);
    const [b, d] = softmax([1, 4]);
    expectTensorClose(y, f32([1, 2, 1, 2], [a!, b!, c!, d!]), close);
  });

  it('Softmax axis 1 on N+C data is the first spatial dim (H), and −1 the last canonical dim (W)', () => {
    const x = f32([1, 2, 1, 1], [1, 3]);
    expectTensorClose(run('Softmax', { axis: int(1), inputs_orders: orders(NHWC) }, { x }), f32([1, 2, 1, 1], softmax([1, 3])), close);
    const y = run('Softmax', { axis: int(-1), inputs_orders: orders(NHWC) }, { x: nhwc });
    const ones = f32([1, 1, 2, 3], [...softmax([0, 3]), ...softmax([1, 5]), ...softmax([2, 4])]);
    // −1 → W: pairs (0,3), (1,5), (2,4) normalise together; reorder to NHWC.
    const v = Array.from(ones.toFloat32());
    expectTensorClose(y, f32([1, 1, 2, 3], [v[0]!, v[2]!, v[4]!, v[1]!, v[3]!, v[5]!]), close);
  });

  it('Softmax with neither axis nor order normalises the last dim', () => {
    expectTensorClose(run('Softmax', {}, { x: f32([2, 2], [0, 1, 1, 1]) }), f32([2, 2], [...softmax([0, 1]), 0.5, 0.5]), close);
  });

  it('rejects an axis the declared order cannot hold, naming the node', () => {
    let err: unknown;
    try {
      run('Softmax', { axis: int(3), inputs_orders: orders(NHWC) }, { x: nhwc });
    } catch (e) {
      err = e;
    }
    expect(isKilnError(err)).toBe(true);
    expect(String(err)).toMatch(/node 'n' \(Softmax\): axis 3 is out of range: the declared order leaves 3 dims after the batch/);
  });

  it('Concat: a plain axis is the stored dim; with a declared N+C order axis 0 is C', () => {
    const a = f32([1, 1, 1, 2], [1, 2]);
    const b = f32([1, 1, 1, 1], [3]);
    expectTensorClose(run('Concat', { axis: int(3) }, { a, b }), f32([1, 1, 1, 3], [1, 2, 3]), close);
    expectTensorClose(run('Concat', { axis: int(0), inputs_orders: orders(NHWC, NHWC) }, { a, b }), f32([1, 1, 1, 3], [1, 2, 3]), close);
  });

  it('Reduce over axes, honouring keepdims, and refusing an unknown func', () => {
    const x = f32([1, 2, 2, 1], [1, 2, 3, 4]);
    expectTensorClose(run('Reduce', { func: str('sum'), axes: ints(1, 2), keepdims: int(0) }, { x }), f32([1, 1], [10]), close);
    expectTensorClose(run('Reduce', { func: str('mean'), axes: ints(2), keepdims: int(1) }, { x }), f32([1, 2, 1, 1], [1.5, 3.5]), close);
    expectTensorClose(
      run('Reduce', { func: str('max'), axes: ints(0), inputs_orders: orders(NHWC) }, { x }),
      f32([1, 2, 2], [1, 2, 3, 4]),
      close,
    );
    expect(() => run('Reduce', { func: str('l2'), axes: ints(1) }, { x })).toThrow(/reduce func 'l2' is not supported/);
  });

  it('ArgMax and ArgMin return int32 indices along the axis', () => {
    const x = f32([2, 3], [1, 5, 2, 7, 0, 9]);
    expectTensorClose(run('ArgMax', { axis: int(1) }, { x }), i32([2], [1, 2]), close);
    expectTensorClose(run('ArgMin', { axis: int(-1) }, { x }), i32([2], [0, 1]), close);
  });

  it('Squeeze, ExpandDims and Stack', () => {
    const x = f32([1, 2, 1], [4, 5]);
    expectTensorClose(run('Squeeze', { axes: ints(0, 2) }, { x }), f32([2], [4, 5]), close);
    expectTensorClose(run('ExpandDims', { axis: int(-1) }, { x }), f32([1, 2, 1, 1], [4, 5]), close);
    const a = f32([2], [1, 2]);
    const b = f32([2], [3, 4]);
    expectTensorClose(run('Stack', { axis: int(1) }, { a, b }), f32([2, 2], [1, 3, 2, 4]), close);
    expectTensorClose(run('Stack', { axis: int(0) }, { a, b }), f32([2, 2], [1, 2, 3, 4]), close);
  });

  it('Transpose by permutation or between declared orders; Flatten keeps the stored order', () => {
    const x = f32([1, 2, 1, 3], [0, 1, 2, 3, 4, 5]);
    const nhwcOut = f32([1, 1, 3, 2], [0, 3, 1, 4, 2, 5]);
    expectTensorClose(run('Transpose', { permutation: ints(0, 2, 3, 1) }, { x }), nhwcOut, close);
    expectTensorClose(run('Transpose', { inputs_orders: orders(NCHW), outputs_orders: orders(NHWC) }, { x }), nhwcOut, close);
    expect(() => run('Transpose', { permutation: ints(0, 0, 1, 2) }, { x })).toThrow(/is not a permutation/);
    expectTensorClose(run('Flatten', {}, { x }), f32([1, 6], [0, 1, 2, 3, 4, 5]), close);
  });

  it('Gather and GatherV2 take constant indices along their axis', () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    expectTensorClose(run('GatherV2', { axis: int(1) }, { x }, { idx: i32([2], [2, 0]) }), f32([2, 2], [3, 1, 6, 4]), close);
    expectTensorClose(run('Gather', {}, { x }, { idx: i32([1], [1]) }), f32([1, 3], [4, 5, 6]), close);
  });

  it('StridedSlice and Pad run with TensorFlow semantics', () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    const y = run(
      'StridedSlice',
      { begin_mask: int(0), end_mask: int(2), shrink_axis_mask: int(1) },
      { x },
      { b: i32([2], [1, 1]), e: i32([2], [2, 0]), s: i32([2], [1, 1]) },
    );
    expectTensorClose(y, f32([2], [5, 6]), close);
    expectTensorClose(run('Pad', {}, { x: f32([1, 2], [1, 2]) }, { p: i32([2, 2], [0, 0, 1, 0]) }), f32([1, 3], [0, 1, 2]), close);
  });

  it('Unary funcs (square and rsqrt composed), LeakyRelu, Identity and Shape', () => {
    const x = f32([3], [1, 4, 0.25]);
    expectTensorClose(run('Unary', { func: str('square') }, { x }), f32([3], [1, 16, 0.0625]), close);
    expectTensorClose(run('Unary', { func: str('rsqrt') }, { x }), f32([3], [1, 0.5, 2]), close);
    expectTensorClose(run('Unary', { func: str('neg') }, { x }), f32([3], [-1, -4, -0.25]), close);
    expect(() => run('Unary', { func: str('gamma') }, { x })).toThrow(/func 'gamma' is not supported/);
    expectTensorClose(run('LeakyRelu', { alpha: { kind: 'float', value: 0.1 } }, { x: f32([2], [-2, 3]) }), f32([2], [-0.2, 3]), close);
    expectTensorClose(run('Identity', {}, { x }), x, close);
    expectTensorClose(run('Shape', {}, { x: f32([2, 3], [1, 2, 3, 4, 5, 6]) }), i32([2], [2, 3]), close);
  });
});
