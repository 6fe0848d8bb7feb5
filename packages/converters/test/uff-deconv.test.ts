import { type AttributeValue, Graph, Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { convertGraph, createUffRegistry } from '../src/index.js';

const INC = 2147483647;

function orders(...perInput: number[][]): AttributeValue {
  const attributes: Record<string, AttributeValue> = {};
  perInput.forEach((o, i) => {
    attributes[String(i)] = { kind: 'func', value: { name: 'dim_orders', attributes: { '-1': { kind: 'ints', value: o } } } };
  });
  return { kind: 'func', value: { name: 'dim_orders_list', attributes } };
}

/** TensorFlow's conv2d_transpose on NHWC x and [H, W, out, in] weights, computed by scattering. */
function transposedConv(x: Tensor, w: Tensor, out: number[], stride: number, same: boolean): Tensor {
  const [, ih, iw, ci] = x.shape as number[];
  const [kh, kw, co] = w.shape as number[];
  const [, oh, ow] = out;
  const padTop = same ? Math.floor(Math.max((ih! - 1) * stride + kh! - oh!, 0) / 2) : 0;
  const padLeft = same ? Math.floor(Math.max((iw! - 1) * stride + kw! - ow!, 0) / 2) : 0;
  const xs = x.toFloat64();
  const ws = w.toFloat64();
  const y = new Array<number>(oh! * ow! * co!).fill(0);
  for (let a = 0; a < ih!; a++)
    for (let b = 0; b < iw!; b++)
      for (let c = 0; c < ci!; c++)
        for (let p = 0; p < kh!; p++)
          for (let q = 0; q < kw!; q++)
            for (let k = 0; k < co!; k++) {
              const r = a * stride + p - padTop;
              const s = b * stride + q - padLeft;
              if (r < 0 || s < 0 || r >= oh! || s >= ow!) continue;
              y[(r * ow! + s) * co! + k]! += xs[(a * iw! + b) * ci! + c]! * ws[((p * kw! + q) * co! + k) * ci! + c]!;
            }
  return Tensor.fromValues('float32', out, y);
}

function run(x: Tensor, w: Tensor, out: number[], attributes: Record<string, AttributeValue>): Tensor {
  const graph = new Graph({
    format: 'uff',
    nodes: [{ name: 'n', op: 'ConvTranspose', domain: 'uff', inputs: ['x', 'w', 'shape'], outputs: ['n'], attributes }],
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: x.shape } }],
    outputs: [{ name: 'n', type: null }],
    weights: new Map([
      ['w', w],
      ['shape', Tensor.fromValues('int32', [4], out)],
    ]),
  });
  return new ReferenceExecutor().run(convertGraph(graph, createUffRegistry()), { x }).get('n')!;
}

const seq = (n: number, scale: number): number[] => Array.from({ length: n }, (_, i) => ((i * 7) % 5) * scale - 0.5);
const nhwc = orders([0, 2, INC, 1], [2, INC, 0, 1]);
const strides: AttributeValue = { kind: 'ints', value: [2, 2] };

describe('UFF ConvTranspose (TensorFlow Conv2DBackpropInput as the converter wrote it)', () => {
  const x = Tensor.fromValues('float32', [1, 2, 3, 2], seq(12, 0.5));

  it('SAME with stride 2 and two output channels', () => {
    const w = Tensor.fromValues('float32', [3, 3, 2, 2], seq(36, 0.25));
    const out = [1, 4, 6, 2];
    const y = run(x, w, out, { inputs_orders: nhwc, strides, implicit_padding: { kind: 'string', value: 'same' } });
    expectTensorClose(y, transposedConv(x, w, out, 2, true), { rtol: 1e-5, atol: 1e-5 });
  });

  it('VALID, with the extra row and column of a stride as output padding', () => {
    const w = Tensor.fromValues('float32', [2, 2, 1, 2], seq(8, 1));
    for (const out of [
      [1, 4, 6, 1],
      [1, 5, 7, 1],
    ]) {
      expectTensorClose(run(x, w, out, { inputs_orders: nhwc, strides }), transposedConv(x, w, out, 2, false), { rtol: 1e-5, atol: 1e-5 });
    }
    expect(() => run(x, w, [1, 7, 6, 1], { inputs_orders: nhwc, strides })).toThrow(/output shape \[7,6\] does not fit/);
  });
});
