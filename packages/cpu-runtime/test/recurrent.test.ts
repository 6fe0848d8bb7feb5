import { ErrorCode, isKilnError, type LayerParamsMap, Tensor } from '@kiln-inference/core';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

type RecParams = LayerParamsMap['recurrent'];
const rec = (p: Partial<RecParams>): RecParams => ({
  cell: 'rnn',
  direction: 'forward',
  hiddenSize: 1,
  activations: [{ type: 'tanh' }],
  inputForget: false,
  linearBeforeReset: false,
  layout: 0,
  ...p,
});
const sig = (v: number) => 1 / (1 + Math.exp(-v));

describe('recurrent kernel', () => {
  it('RNN: h_t = tanh(W x_t + R h_{t-1} + Wb + Rb) over two steps', () => {
    const x = f32([1, 2], [2, 1, 1]);
    const [w, r, b] = [f32([0.5], [1, 1, 1]), f32([-1], [1, 1, 1]), f32([0.1, 0.2], [1, 2])];
    const [y, yh] = runLayer('recurrent', rec({}), [x, w, r, b], 2);
    const h1 = Math.tanh(0.5 * 1 + 0.3);
    const h2 = Math.tanh(0.5 * 2 - h1 + 0.3);
    expectTensorClose(y!, f32([h1, h2], [2, 1, 1, 1]), { rtol: 1e-6, atol: 0 });
    expectTensorClose(yh!, f32([h2], [1, 1, 1]), { rtol: 1e-6, atol: 0 });
  });

  it('LSTM one step with peepholes, gate order i, o, f, c', () => {
    const x = f32([2], [1, 1, 1]);
    const w = f32([0.1, 0.2, 0.3, 0.4], [1, 4, 1]);
    const r = f32([0, 0, 0, 0], [1, 4, 1]);
    const c0 = f32([0.5], [1, 1, 1]);
    const p = f32([0.1, 0.2, 0.3], [1, 3]);
    const params = rec({ cell: 'lstm', activations: [{ type: 'sigmoid' }, { type: 'tanh' }, { type: 'tanh' }] });
    const [, yh, yc] = runLayer('recurrent', params, [x, w, r, undefined, undefined, undefined, c0, p], 3);
    const i = sig(0.2 + 0.1 * 0.5);
    const f = sig(0.6 + 0.3 * 0.5);
    const g = Math.tanh(0.8);
    const c = f * 0.5 + i * g;
    const o = sig(0.4 + 0.2 * c);
    expectTensorClose(yc!, f32([c], [1, 1, 1]), { rtol: 1e-6, atol: 0 });
    expectTensorClose(yh!, f32([o * Math.tanh(c)], [1, 1, 1]), { rtol: 1e-6, atol: 0 });
  });

  it('GRU one step, with and without linear_before_reset', () => {
    const x = f32([1], [1, 1, 1]);
    const w = f32([0.5, -0.5, 1], [1, 3, 1]);
    const r = f32([0.2, 0.3, 0.4], [1, 3, 1]);
    const b = f32([0, 0, 0, 0.1, 0.2, 0.3], [1, 6]);
    const h0 = f32([0.7], [1, 1, 1]);
    const acts = [{ type: 'sigmoid' as const }, { type: 'tanh' as const }];
    const z = sig(0.5 + 0.2 * 0.7 + 0.1);
    const rr = sig(-0.5 + 0.3 * 0.7 + 0.2);
    for (const linearBeforeReset of [false, true]) {
      const [, yh] = runLayer('recurrent', rec({ cell: 'gru', activations: acts, linearBeforeReset }), [x, w, r, b, undefined, h0], 2);
      const recur = linearBeforeReset ? rr * (0.4 * 0.7 + 0.3) : 0.4 * (rr * 0.7) + 0.3;
      const hh = Math.tanh(1 + recur);
      expectTensorClose(yh!, f32([(1 - z) * hh + z * 0.7], [1, 1, 1]), { rtol: 1e-6, atol: 0 });
    }
  });

  it('reverse direction equals forward over the reversed sequence; bidirectional stacks both', () => {
    const x = randomTensor('float32', [4, 2, 3], 1);
    const w = randomTensor('float32', [1, 2, 3], 2);
    const r = randomTensor('float32', [1, 2, 2], 3);
    const reversedX = new Tensor(
      'float32',
      x.shape,
      Float32Array.from({ length: 24 }, (_, i) => x.toFloat64()[(3 - Math.floor(i / 6)) * 6 + (i % 6)]!),
    );
    const [, rev] = runLayer('recurrent', rec({ hiddenSize: 2, direction: 'reverse' }), [x, w, r], 2);
    const [, fwd] = runLayer('recurrent', rec({ hiddenSize: 2 }), [reversedX, w, r], 2);
    expectTensorClose(rev!, fwd!, { rtol: 1e-6, atol: 1e-7 });
    const w2 = new Tensor('float32', [2, 2, 3], Float32Array.from([...w.toFloat32(), ...w.toFloat32()]));
    const r2 = new Tensor('float32', [2, 2, 2], Float32Array.from([...r.toFloat32(), ...r.toFloat32()]));
    const [y, yh] = runLayer(
      'recurrent',
      rec({ hiddenSize: 2, direction: 'bidirectional', activations: [{ type: 'tanh' }, { type: 'tanh' }] }),
      [x, w2, r2],
      2,
    );
    expect(y!.shape).toEqual([4, 2, 2, 2]);
    expectTensorClose(new Tensor('float32', [1, 2, 2], yh!.toFloat32().slice(4)), rev!, { rtol: 1e-6, atol: 1e-7 });
  });

  it('sequence_lens stops each batch entry early and zero-fills Y', () => {
    const x = randomTensor('float32', [3, 2, 1], 4);
    const w = f32([1], [1, 1, 1]);
    const r = f32([0.5], [1, 1, 1]);
    const lens = Tensor.fromValues('int32', [2], [3, 1]);
    const [y, yh] = runLayer('recurrent', rec({}), [x, w, r, undefined, lens], 2);
    const ys = y!.toFloat64();
    expect(ys[1 * 2 + 1]).toBe(0);
    expect(ys[2 * 2 + 1]).toBe(0);
    expect(yh!.toFloat64()[1]).toBeCloseTo(Math.tanh(x.toFloat64()[1]!), 6);
  });

  it('layout 1 is batch-major for X, Y and states', () => {
    const x0 = randomTensor('float32', [3, 2, 2], 5);
    const w = randomTensor('float32', [1, 1, 2], 6);
    const r = randomTensor('float32', [1, 1, 1], 7);
    const x1 = new Tensor(
      'float32',
      [2, 3, 2],
      Float32Array.from({ length: 12 }, (_, i) => {
        const [b, t, k] = [Math.floor(i / 6), Math.floor(i / 2) % 3, i % 2];
        return x0.toFloat64()[(t * 2 + b) * 2 + k]!;
      }),
    );
    const [, h0] = runLayer('recurrent', rec({}), [x0, w, r], 2);
    const [y1, h1] = runLayer('recurrent', rec({ layout: 1 }), [x1, w, r], 2);
    expect(y1!.shape).toEqual([2, 3, 1, 1]);
    expect(h1!.shape).toEqual([2, 1, 1]);
    expectTensorClose(h1!.reshape([1, 2, 1]), h0!, { rtol: 1e-6, atol: 0 });
  });

  it('rejects weights that disagree with hidden_size', () => {
    let err: unknown;
    try {
      runLayer('recurrent', rec({ hiddenSize: 3 }), [f32([1], [1, 1, 1]), f32([1], [1, 1, 1]), f32([1], [1, 1, 1])], 2);
    } catch (e) {
      err = e;
    }
    expect(isKilnError(err, ErrorCode.SHAPE_MISMATCH)).toBe(true);
  });
});
