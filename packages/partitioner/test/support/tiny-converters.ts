/**
 * A tiny converter set for tests (the partitioner must not depend on which ONNX converters
 * exist yet): binary ops → elementwise, Relu/Sigmoid/Tanh → activation, Neg → unary.
 */

import { type ConversionContext, type Converter, ConverterRegistry, SUPPORTED, unsupported } from '@kiln-inference/converters';
import type { ActivationType, ElementwiseOp, UnaryOp } from '@kiln-inference/core';

/** Same dtype and shape as input 0 (every test graph feeds equal shapes), so executors can infer types. */
function outputSpec(ctx: ConversionContext) {
  const shape = ctx.inputShape(0);
  return [{ name: ctx.output(0), dtype: ctx.inputDType(0) ?? 'float32', ...(shape ? { shape } : {}) }];
}

const binary = (op: string, kind: ElementwiseOp): Converter => ({
  domain: '',
  op,
  validate: (ctx) => (ctx.inputDType(0) === 'float64' ? unsupported('unsupported-dtype', `${op} takes no float64 here`) : SUPPORTED),
  convert: (ctx) => void ctx.addLayer('elementwise', { op: kind }, [ctx.input(0), ctx.input(1)], outputSpec(ctx)),
});

const activation = (op: string, type: ActivationType): Converter => ({
  domain: '',
  op,
  convert: (ctx) => void ctx.addLayer('activation', { type }, [ctx.input(0)], outputSpec(ctx)),
});

const unary = (op: string, kind: UnaryOp): Converter => ({
  domain: '',
  op,
  convert: (ctx) => void ctx.addLayer('unary', { op: kind }, [ctx.input(0)], outputSpec(ctx)),
});

export const tinyConverters: Converter[] = [
  binary('Add', 'add'),
  binary('Sub', 'sub'),
  binary('Mul', 'mul'),
  binary('Max', 'max'),
  activation('Relu', 'relu'),
  activation('Sigmoid', 'sigmoid'),
  activation('Tanh', 'tanh'),
  unary('Neg', 'neg'),
];

export function tinyRegistry(): ConverterRegistry {
  return new ConverterRegistry(tinyConverters);
}
