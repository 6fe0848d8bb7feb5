/**
 * Shared pieces of the TensorFlow converters: output dtypes, constant inputs, layout
 * transposes (TF is NHWC; kiln's convolution and pooling are NCHW, so converters wrap them in
 * shuffle transposes that the builder later cancels), padding attributes and layer chains.
 */
import { type DType, ErrorCode, KilnError, type PaddingMode, type PluginFieldValue, stridesOf, Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter, LayerOutputSpec, Support, ValidationContext } from '../converter.js';

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** A TF converter: domain 'tf', op name, convert function, optional validator. */
export function tfConverter(
  op: string,
  convert: (ctx: ConversionContext) => void,
  validate?: (ctx: ValidationContext) => Support,
  restrictions?: string,
): Converter {
  return { domain: 'tf', op, convert, ...(validate ? { validate } : {}), ...(restrictions ? { restrictions } : {}) };
}

/** The dtype of input i (network knowledge first, then the node's T attribute, then float32). */
export function inputDType(ctx: ConversionContext, i = 0): DType {
  return ctx.inputDType(i) ?? ctx.attrs.type('T') ?? 'float32';
}

/** The spec binding node output i with a dtype. */
export function out(ctx: ConversionContext, dtype: DType, i = 0): LayerOutputSpec {
  return { name: ctx.output(i), dtype };
}

/** Values of a constant input as numbers; a clear error when the input is computed at run time. */
export function constNumbers(ctx: ValidationContext, i: number, what: string): number[] {
  const t = ctx.constantInput(i);
  if (!t) {
    throw new KilnError(ErrorCode.CONVERSION_FAILED, `${what} (input ${i}) must be a constant`, {
      node: { name: ctx.node.name, op: ctx.node.op },
      hint: 'freeze the graph or fold the computation that produces it into a Const',
    });
  }
  return Array.from(t.toFloat64());
}

export function int64Tensor(values: readonly number[]): Tensor {
  return Tensor.fromValues('int64', [values.length], values);
}

export function int64Const(ctx: ConversionContext, values: readonly number[], hint: string): string {
  return ctx.constant(int64Tensor(values), `${ctx.node.name}/${hint}`);
}

/** Adds a shuffle transposing `x`; binds the node output when `spec` says so. */
export function transpose(ctx: ConversionContext, x: string, perm: number[], spec: LayerOutputSpec): string {
  return ctx.addLayer('shuffle', { firstTranspose: perm }, [x], [spec])[0]!;
}

/** Permutes a constant tensor's axes at conversion time. */
export function permuteTensor(t: Tensor, perm: readonly number[]): Tensor {
  const inShape = t.shape;
  const outShape = perm.map((p) => inShape[p]!);
  const inStrides = stridesOf(inShape);
  const outStrides = stridesOf(outShape);
  const n = t.size;
  const src = t.data;
  const dst = Array.isArray(src) ? new Array<string>(n) : new (src.constructor as new (n: number) => typeof src)(n);
  const idx = new Array<number>(outShape.length).fill(0);
  for (let o = 0; o < n; o++) {
    let rem = o;
    let s = 0;
    for (let d = 0; d < outShape.length; d++) {
      idx[d] = Math.floor(rem / outStrides[d]!);
      rem -= idx[d]! * outStrides[d]!;
      s += idx[d]! * inStrides[perm[d]!]!;
    }
    (dst as unknown as unknown[])[o] = (src as unknown as unknown[])[s];
  }
  return new Tensor(t.dtype, outShape, dst);
}

export type DataFormat = 'NHWC' | 'NCHW';

export function dataFormat(ctx: ValidationContext): DataFormat {
  const f = ctx.attrs.string('data_format', 'NHWC');
  if (f !== 'NHWC' && f !== 'NCHW') {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `data_format '${f}' is not supported`, {
      node: { name: ctx.node.name, op: ctx.node.op },
      hint: 'kiln converts 2-D ops in NHWC or NCHW',
    });
  }
  return f;
}

/** The two spatial entries of a 4-element NHWC/NCHW attribute (strides, dilations, ksize). */
export function spatialPair(ctx: ValidationContext, name: string, format: DataFormat, fallback: number): [number, number] {
  const v = ctx.attrs.ints(name, [fallback, fallback, fallback, fallback]);
  if (v.length === 2) return [v[0]!, v[1]!];
  if (v.length !== 4 || v.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `attribute '${name}' should hold 4 positive integers, got [${v.join(',')}]`, {
      node: { name: ctx.node.name, op: ctx.node.op },
    });
  }
  return format === 'NHWC' ? [v[1]!, v[2]!] : [v[2]!, v[3]!];
}

export interface Padding {
  paddingMode: PaddingMode;
  padsBegin: number[];
  padsEnd: number[];
}

/** TF padding ('SAME', 'VALID', 'EXPLICIT' with explicit_paddings) for the two spatial dims. */
export function tfPadding(ctx: ValidationContext, format: DataFormat): Padding {
  const p = ctx.attrs.string('padding', 'VALID');
  if (p === 'SAME') return { paddingMode: 'same_upper', padsBegin: [0, 0], padsEnd: [0, 0] };
  if (p === 'VALID') return { paddingMode: 'valid', padsBegin: [0, 0], padsEnd: [0, 0] };
  if (p === 'EXPLICIT') {
    const e = ctx.attrs.ints('explicit_paddings', []);
    if (e.length !== 8) {
      throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `explicit_paddings should hold 8 values, got ${e.length}`, {
        node: { name: ctx.node.name, op: ctx.node.op },
      });
    }
    const [h, w] = format === 'NHWC' ? [1, 2] : [2, 3];
    return { paddingMode: 'explicit', padsBegin: [e[2 * h]!, e[2 * w]!], padsEnd: [e[2 * h + 1]!, e[2 * w + 1]!] };
  }
  throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `padding '${p}' is not SAME, VALID or EXPLICIT`, {
    node: { name: ctx.node.name, op: ctx.node.op },
  });
}

/** One step of a layer chain: reads x, writes the given output spec, returns its tensor. */
export type Step = (x: string, spec: LayerOutputSpec) => string;

/** Runs steps in order; the last one writes node output 0 (an alias when there are none). */
export function runChain(ctx: ConversionContext, x: string, steps: Step[], dtype: DType): void {
  if (steps.length === 0) {
    ctx.alias(0, x);
    return;
  }
  let cur = x;
  steps.forEach((step, i) => {
    cur = step(cur, i === steps.length - 1 ? out(ctx, dtype) : { dtype });
  });
}

/** A scalar constant of a dtype. */
export function scalarConst(ctx: ConversionContext, dtype: DType, value: number, hint: string): string {
  return ctx.constant(Tensor.fromValues(dtype, [], [value]), `${ctx.node.name}/${hint}`);
}

/** Normalises a possibly negative TF axis when the rank is known; kernels accept negative axes otherwise. */
export function rankOf(ctx: ValidationContext, i: number): number | undefined {
  const s = ctx.inputShape(i);
  return s ? s.length : undefined;
}

/** Adds one of kiln's built-in plugin layers (namespace 'kiln', version '1'): TF ops no layer kind fits. */
export function tfPlugin(
  ctx: ConversionContext,
  name: string,
  fields: Record<string, PluginFieldValue>,
  inputs: string[],
  outputs: LayerOutputSpec[],
): string[] {
  return ctx.addLayer('plugin', { namespace: 'kiln', name, version: '1', fields }, inputs, outputs);
}
