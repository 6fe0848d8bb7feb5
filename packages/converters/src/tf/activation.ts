/**
 * TF activations and softmax. The same table serves the activations that `_FusedConv2D`,
 * `FusedDepthwiseConv2dNative` and `_FusedMatMul` name in their `fused_ops` lists.
 */
import type { ActivationSpec } from '@kiln-inference/core';
import type { AttributeReader } from '../attributes.js';
import type { ConversionContext, Converter } from '../converter.js';
import { inputDType, out, tfConverter } from './helpers.js';

/** TF's SELU constants (Klambauer et al.). */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Activation op → spec; `attrs` gives the node's own attributes (alpha of LeakyRelu …). */
export const ACTIVATIONS: Record<string, (attrs: AttributeReader) => ActivationSpec> = {
  Relu: () => ({ type: 'relu' }),
  Relu6: () => ({ type: 'clip', alpha: 0, beta: 6 }),
  Elu: () => ({ type: 'elu', alpha: 1 }),
  Selu: () => ({ type: 'selu', alpha: SELU_ALPHA, beta: SELU_SCALE }),
  Sigmoid: () => ({ type: 'sigmoid' }),
  Tanh: () => ({ type: 'tanh' }),
  Softplus: () => ({ type: 'softplus' }),
  Softsign: () => ({ type: 'softsign' }),
  // Fused ops carry LeakyRelu's slope as leakyrelu_alpha, the plain op as alpha.
  LeakyRelu: (a) => ({ type: 'leaky_relu', alpha: a.float('leakyrelu_alpha', a.float('alpha', 0.2)) }),
  Swish: () => ({ type: 'swish', alpha: 1 }),
  Mish: () => ({ type: 'mish' }),
  Gelu: (a) => ({ type: a.bool('approximate', false) ? 'gelu_tanh' : 'gelu_erf' }),
  // Grappler's names for the GELU entries of _FusedMatMul's fused_ops.
  GeluExact: () => ({ type: 'gelu_erf' }),
  GeluApproximate: () => ({ type: 'gelu_tanh' }),
};

/** Adds an activation layer reading x. */
export function activation(ctx: ConversionContext, spec: ActivationSpec, x: string, bind: boolean): string {
  const dtype = inputDType(ctx);
  return ctx.addLayer('activation', spec, [x], [bind ? out(ctx, dtype) : { dtype }])[0]!;
}

const plain = Object.entries(ACTIVATIONS).map(([op, spec]) =>
  tfConverter(op, (ctx) => {
    activation(ctx, spec(ctx.attrs), ctx.input(0), true);
  }),
);

export function prelu(ctx: ConversionContext, x: string, alpha: string, bind: boolean): string {
  const dtype = inputDType(ctx);
  return ctx.addLayer('parametric_relu', {}, [x, alpha], [bind ? out(ctx, dtype) : { dtype }])[0]!;
}

export const tfActivationConverters: Converter[] = [
  ...plain,
  tfConverter('Prelu', (ctx) => {
    prelu(ctx, ctx.input(0), ctx.input(1), true);
  }),
  tfConverter('Softmax', (ctx) => {
    ctx.addLayer('softmax', { axis: -1, mode: 'softmax' }, [ctx.input(0)], [out(ctx, inputDType(ctx))]);
  }),
  tfConverter('LogSoftmax', (ctx) => {
    ctx.addLayer('softmax', { axis: -1, mode: 'log_softmax' }, [ctx.input(0)], [out(ctx, inputDType(ctx))]);
  }),
  tfConverter('ClipByValue', (ctx) => {
    const t = inputDType(ctx);
    const lo = ctx.addLayer('elementwise', { op: 'max' }, [ctx.input(0), ctx.input(1)], [{ dtype: t }])[0]!;
    ctx.addLayer('elementwise', { op: 'min' }, [lo, ctx.input(2)], [out(ctx, t)]);
  }),
];
