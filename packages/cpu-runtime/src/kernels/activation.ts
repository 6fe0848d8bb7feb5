/**
 * Activations: one formula per type, parameters alpha/beta with ONNX defaults. Floats compute
 * in float64 and round once to the output dtype; relu and clip also accept integers
 * (int64 compared exactly with bigints).
 */
import { type ActivationSpec, type ActivationType, dtypeInfo, ErrorCode, KilnError, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { erf } from './unary.js';
import { bigints, fromBigInts, fromNumbers, needsBigInt, numbers } from './util/values.js';

interface ActivationDef {
  alpha?: number;
  beta?: number;
  fn(x: number, alpha: number, beta: number): number;
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const ACTIVATIONS: Record<ActivationType, ActivationDef> = {
  relu: { fn: (x) => (x > 0 ? x : x === 0 || x < 0 ? 0 : x) },
  sigmoid: { fn: sigmoid },
  tanh: { fn: Math.tanh },
  leaky_relu: { alpha: 0.01, fn: (x, a) => (x >= 0 ? x : a * x) },
  elu: { alpha: 1, fn: (x, a) => (x >= 0 ? x : a * Math.expm1(x)) },
  selu: { alpha: 1.6732632423543772, beta: 1.0507009873554805, fn: (x, a, g) => (x > 0 ? g * x : g * a * Math.expm1(x)) },
  softsign: { fn: (x) => x / (1 + Math.abs(x)) },
  softplus: { fn: softplus },
  clip: { alpha: -Infinity, beta: Infinity, fn: (x, lo, hi) => (Number.isNaN(x) ? x : Math.min(Math.max(x, lo), hi)) },
  hard_sigmoid: { alpha: 0.2, beta: 0.5, fn: (x, a, b) => Math.max(0, Math.min(1, a * x + b)) },
  scaled_tanh: { alpha: 1, beta: 1, fn: (x, a, b) => a * Math.tanh(b * x) },
  thresholded_relu: { alpha: 1, fn: (x, a) => (x > a ? x : 0) },
  gelu_erf: { fn: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)) },
  gelu_tanh: { fn: (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))) },
  celu: { alpha: 1, fn: (x, a) => Math.max(0, x) + Math.min(0, a * Math.expm1(x / a)) },
  mish: { fn: (x) => x * Math.tanh(softplus(x)) },
  swish: { alpha: 1, fn: (x, a) => x * sigmoid(a * x) },
  hard_swish: { fn: (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)) },
  shrink: { alpha: 0.5, beta: 0, fn: (x, l, bias) => (x < -l ? x + bias : x > l ? x - bias : 0) },
};

/** The scalar function of an activation spec, defaults applied (fusion epilogues reuse it). */
export function activationFunction(spec: ActivationSpec): (x: number) => number {
  const def = ACTIVATIONS[spec.type];
  if (!def) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `unknown activation '${String(spec.type)}'`);
  const alpha = spec.alpha ?? def.alpha ?? 0;
  const beta = spec.beta ?? def.beta ?? 0;
  return (x) => def.fn(x, alpha, beta);
}

function bigintClip(x: Tensor, spec: ActivationSpec): Tensor {
  const lo = spec.type === 'relu' ? 0n : Number.isFinite(spec.alpha ?? -Infinity) ? BigInt(Math.trunc(spec.alpha!)) : undefined;
  const hi = spec.type === 'clip' && Number.isFinite(spec.beta ?? Infinity) ? BigInt(Math.trunc(spec.beta!)) : undefined;
  const out = bigints(x).map((v) => {
    let r = v;
    if (lo !== undefined && r < lo) r = lo;
    if (hi !== undefined && r > hi) r = hi;
    return r;
  });
  return fromBigInts(x.dtype, x.shape, out);
}

/** Applies an activation to a whole tensor. */
export function applyActivation(x: Tensor, spec: ActivationSpec): Tensor {
  const info = dtypeInfo(x.dtype);
  const integerOk = spec.type === 'relu' || spec.type === 'clip';
  if (x.dtype === 'string' || x.dtype === 'bool' || (info.isInteger && !integerOk)) {
    throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `activation '${spec.type}' does not accept ${x.dtype} tensors`, {
      hint: 'cast the input to a float dtype',
    });
  }
  if (needsBigInt(x.dtype)) return bigintClip(x, spec);
  const fn = activationFunction(spec);
  return fromNumbers(x.dtype, x.shape, numbers(x).map(fn));
}

export const activationKernel: Kernel<'activation'> = (layer, inputs) => {
  const x = inputs[0];
  if (!x) throw new KilnError(ErrorCode.INVALID_ARGUMENT, `activation '${layer.params.type}' needs an input`);
  return [applyActivation(x, layer.params)];
};
