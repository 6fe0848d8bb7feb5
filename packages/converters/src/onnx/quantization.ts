/**
 * QuantizeLinear / DequantizeLinear (per tensor, per axis from opset 13, blocked from opset 21,
 * float8 targets and `saturate` from 19, `output_dtype` from 21/23) and DynamicQuantizeLinear,
 * which becomes min/max reductions, the uint8 scale/zero-point arithmetic and a quantize layer.
 */
import type { DType, QuantizationParams } from '@kiln-inference/core';
import { type ConversionContext, type Converter, SUPPORTED, unsupported, type ValidationContext } from '../converter.js';
import { addBinary } from './elementwise.js';
import {
  allOf,
  checkInputDTypes,
  dtypeAttr,
  FLOAT_TYPES,
  knownRank,
  normalizeAxes,
  onnxConverter,
  requireDType,
  scalarConstant,
} from './math/common.js';

const QUANTIZED_TYPES: readonly DType[] = [
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'int4',
  'uint4',
  'int2',
  'uint2',
  'float8e4m3fn',
  'float8e4m3fnuz',
  'float8e5m2',
  'float8e5m2fnuz',
  'float4e2m1',
];

/** The `output_dtype` attribute as a kiln dtype (0 or absent = not given). */
function outputDTypeAttr(ctx: ValidationContext): DType | undefined | 'invalid' {
  return ctx.attrs.int('output_dtype', 0) === 0 ? undefined : dtypeAttr(ctx, 'output_dtype');
}

function quantParams(ctx: ConversionContext, quantizedType: DType, floatType: DType, scaleIndex: number): QuantizationParams {
  const scaleShape = ctx.inputShape(scaleIndex);
  const perTensor = ctx.opset < 13 || (scaleShape != null && (scaleShape.length === 0 || (scaleShape.length === 1 && scaleShape[0] === 1)));
  const blockSize = ctx.attrs.int('block_size', 0);
  const params: QuantizationParams = { axis: null, quantizedType, floatType };
  if (!perTensor || blockSize > 0) params.axis = normalizeAxes(ctx, [ctx.attrs.int('axis', 1)], knownRank(ctx, 0))[0]!;
  if (blockSize > 0) params.blockSize = blockSize;
  if (ctx.attrs.has('saturate')) params.saturate = ctx.attrs.int('saturate', 1) !== 0;
  return params;
}

function validateCommon(ctx: ValidationContext) {
  const block = ctx.attrs.int('block_size', 0);
  if (block < 0) return unsupported('unsupported-attribute', `block_size must be ≥ 0, got ${block}`);
  if (outputDTypeAttr(ctx) === 'invalid')
    return unsupported('unsupported-attribute', `output_dtype ${ctx.attrs.int('output_dtype', 0)} is not a supported type`);
  return SUPPORTED;
}

const quantizeLinear = onnxConverter(
  'QuantizeLinear',
  (ctx) => {
    const attrType = outputDTypeAttr(ctx);
    const quantizedType = ctx.hasInput(2) ? requireDType(ctx, 2) : attrType && attrType !== 'invalid' ? attrType : 'uint8';
    const params = quantParams(ctx, quantizedType, requireDType(ctx, 0), 1);
    const inputs = [ctx.input(0), ctx.input(1)];
    if (ctx.hasInput(2)) inputs.push(ctx.input(2));
    ctx.addLayer('quantize', params, inputs, [{ name: ctx.output(0), dtype: quantizedType, shape: ctx.inputShape(0) ?? null }]);
  },
  {
    dtypes: FLOAT_TYPES,
    validate: (ctx) =>
      allOf(
        () => checkInputDTypes(ctx, [...FLOAT_TYPES, 'int32'], [0]),
        () => checkInputDTypes(ctx, QUANTIZED_TYPES, [2]),
        () => validateCommon(ctx),
      ),
  },
);

const dequantizeLinear = onnxConverter(
  'DequantizeLinear',
  (ctx) => {
    const attrType = outputDTypeAttr(ctx);
    const floatType = attrType && attrType !== 'invalid' ? attrType : requireDType(ctx, 1);
    const params = quantParams(ctx, requireDType(ctx, 0), floatType, 1);
    const inputs = [ctx.input(0), ctx.input(1)];
    if (ctx.hasInput(2)) inputs.push(ctx.input(2));
    ctx.addLayer('dequantize', params, inputs, [{ name: ctx.output(0), dtype: floatType, shape: ctx.inputShape(0) ?? null }]);
  },
  {
    dtypes: QUANTIZED_TYPES,
    validate: (ctx) =>
      allOf(
        () => checkInputDTypes(ctx, QUANTIZED_TYPES, [0, 2]),
        () => checkInputDTypes(ctx, FLOAT_TYPES, [1]),
        () => validateCommon(ctx),
      ),
  },
);

/** Reduces x to a scalar and folds 0 into the range, as DynamicQuantizeLinear requires. */
function rangeEnd(ctx: ConversionContext, op: 'max' | 'min'): string {
  const reduced = ctx.addLayer('reduce', { op, axes: null, keepDims: false }, [ctx.input(0)], [{ dtype: 'float32', shape: [] }])[0]!;
  return addBinary(ctx, op, reduced, scalarConstant(ctx, 'float32', 0), { dtype: 'float32' });
}

const dynamicQuantizeLinear = onnxConverter(
  'DynamicQuantizeLinear',
  (ctx) => {
    const hi = rangeEnd(ctx, 'max');
    const lo = rangeEnd(ctx, 'min');
    const span = addBinary(ctx, 'sub', hi, lo, { dtype: 'float32' });
    const scale = addBinary(ctx, 'div', span, scalarConstant(ctx, 'float32', 255), { name: ctx.output(1), dtype: 'float32' });
    // zero point = saturate(round(0 − min / scale)) in uint8.
    const ratio = addBinary(ctx, 'div', lo, scale, { dtype: 'float32' });
    const negated = ctx.addLayer('unary', { op: 'neg' }, [ratio], [{ dtype: 'float32' }])[0]!;
    const clipped = ctx.addLayer('activation', { type: 'clip', alpha: 0, beta: 255 }, [negated], [{ dtype: 'float32' }])[0]!;
    const rounded = ctx.addLayer('unary', { op: 'round' }, [clipped], [{ dtype: 'float32' }])[0]!;
    const zeroPoint = ctx.addLayer('cast', { to: 'uint8' }, [rounded], [{ name: ctx.output(2), dtype: 'uint8', shape: [] }])[0]!;
    const params: QuantizationParams = { axis: null, quantizedType: 'uint8', floatType: 'float32' };
    ctx.addLayer(
      'quantize',
      params,
      [ctx.input(0), scale, zeroPoint],
      [{ name: ctx.output(0), dtype: 'uint8', shape: ctx.inputShape(0) ?? null }],
    );
  },
  { dtypes: ['float32'], validate: (ctx) => checkInputDTypes(ctx, ['float32']) },
);

export const quantizationConverters: readonly Converter[] = [quantizeLinear, dequantizeLinear, dynamicQuantizeLinear];
