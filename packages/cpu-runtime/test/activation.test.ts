import { type ActivationSpec, ErrorCode, isKilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

const x = f32([-3, -0.5, 0, 0.5, 3]);
const run = (spec: ActivationSpec, input = x) => runLayer('activation', spec, [input], 1, input.dtype)[0]!;
const expectValues = (spec: ActivationSpec, fn: (v: number) => number) =>
  expectTensorClose(run(spec), f32([-3, -0.5, 0, 0.5, 3].map(fn)), { rtol: 1e-6, atol: 1e-7 });

describe('activation kernel', () => {
  it('relu, leaky_relu, elu, selu with defaults', () => {
    expectValues({ type: 'relu' }, (v) => Math.max(0, v));
    expectValues({ type: 'leaky_relu' }, (v) => (v < 0 ? 0.01 * v : v));
    expectValues({ type: 'elu', alpha: 2 }, (v) => (v < 0 ? 2 * (Math.exp(v) - 1) : v));
    expectValues({ type: 'selu' }, (v) => (v > 0 ? 1.0507009873554805 * v : 1.0507009873554805 * 1.6732632423543772 * (Math.exp(v) - 1)));
  });

  it('sigmoid is stable for large magnitudes', () => {
    const y = run({ type: 'sigmoid' }, f32([-1000, 0, 1000]));
    expectTensorClose(y, f32([0, 0.5, 1]), { rtol: 0, atol: 0 });
  });

  it('hard_sigmoid, hard_swish, softsign, softplus, mish', () => {
    expectValues({ type: 'hard_sigmoid', alpha: 0.2, beta: 0.5 }, (v) => Math.max(0, Math.min(1, 0.2 * v + 0.5)));
    expectValues({ type: 'hard_swish' }, (v) => v * Math.max(0, Math.min(1, v / 6 + 0.5)));
    expectValues({ type: 'softsign' }, (v) => v / (1 + Math.abs(v)));
    expectValues({ type: 'softplus' }, (v) => Math.log(1 + Math.exp(v)));
    expectValues({ type: 'mish' }, (v) => v * Math.tanh(Math.log(1 + Math.exp(v))));
  });

  it('gelu (erf and tanh forms), celu, swish, shrink, thresholded_relu', () => {
    expectTensorClose(run({ type: 'gelu_erf' }, f32([1, -1])), f32([0.8413447460685429, -0.15865525393145707]), { rtol: 1e-6, atol: 0 });
    expectTensorClose(run({ type: 'gelu_tanh' }, f32([1])), f32([0.8411919906082768]), { rtol: 1e-6, atol: 0 });
    expectValues({ type: 'celu', alpha: 2 }, (v) => Math.max(0, v) + Math.min(0, 2 * (Math.exp(v / 2) - 1)));
    expectValues({ type: 'swish', alpha: 1.5 }, (v) => v / (1 + Math.exp(-1.5 * v)));
    expectValues({ type: 'shrink', alpha: 1, beta: 0.5 }, (v) => (v < -1 ? v + 0.5 : v > 1 ? v - 0.5 : 0));
    expectValues({ type: 'thresholded_relu', alpha: 0.4 }, (v) => (v > 0.4 ? v : 0));
  });

  it('clip keeps NaN and works on integers, int64 exactly', () => {
    const y = run({ type: 'clip', alpha: -1, beta: 1 }, f32([-2, Number.NaN, 2]));
    expect(y.toArray().map((v) => (Number.isNaN(v as number) ? 'nan' : v))).toEqual([-1, 'nan', 1]);
    expect(run({ type: 'clip', alpha: 0, beta: 10 }, Tensor.fromValues('int8', [3], [-5, 5, 100])).toArray()).toEqual([0, 5, 10]);
    const big = 2n ** 60n;
    expect(run({ type: 'clip', alpha: -5 }, Tensor.fromValues('int64', [2], [-big, big])).toArray()).toEqual([-5n, big]);
  });

  it('rejects integer inputs for float activations', () => {
    const e = thrown(() => run({ type: 'sigmoid' }, Tensor.fromValues('int32', [1], [1])));
    expect(isKilnError(e, ErrorCode.UNSUPPORTED_DTYPE)).toBe(true);
    expect((e as Error).message).toContain('activation_layer');
  });
});
