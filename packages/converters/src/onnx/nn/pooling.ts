/**
 * ONNX MaxPool, AveragePool, LpPool and GlobalAveragePool / GlobalMaxPool / GlobalLpPool →
 * pooling layers. MaxPool's optional second output (flat indices) is a second layer output.
 */
import type { LayerParamsMap } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../../converter.js';
import { unsupported } from '../../converter.js';
import { checkDType, FLOAT_TYPES, firstFailure } from './conv.js';
import { readWindowAttributes, validateWindowAttributes } from './window-attributes.js';

type PoolType = LayerParamsMap['pooling']['type'];

function addPooling(ctx: ConversionContext, params: LayerParamsMap['pooling']): void {
  const dtype = ctx.inputDType(0) ?? 'float32';
  const outputs = [{ name: ctx.output(0), dtype }];
  if (ctx.output(1)) outputs.push({ name: ctx.output(1), dtype: 'int64' });
  ctx.addLayer('pooling', params, [ctx.input(0)], outputs);
}

function windowed(op: string, type: PoolType): Converter {
  return {
    domain: 'ai.onnx',
    op,
    dtypes: type === 'max' ? [...FLOAT_TYPES, 'int8', 'uint8'] : FLOAT_TYPES,
    restrictions: `N-d, dilations, ceil_mode, auto_pad${type === 'max' ? ', indices output with storage_order' : ''}`,
    validate(ctx) {
      const p = ctx.attrs.float('p', 2);
      if (type === 'lp' && !(p > 0)) return unsupported('unsupported-attribute', `p ${p} must be positive`);
      const order = ctx.attrs.int('storage_order', 0);
      if (order !== 0 && order !== 1) return unsupported('unsupported-attribute', `storage_order ${order} must be 0 or 1`);
      return firstFailure(
        validateWindowAttributes(ctx.attrs, true),
        checkDType(ctx, 0, type === 'max' ? [...FLOAT_TYPES, 'int8', 'uint8'] : FLOAT_TYPES),
      );
    },
    convert(ctx) {
      const w = readWindowAttributes(ctx.attrs);
      addPooling(ctx, {
        type,
        global: false,
        window: w.kernelShape,
        strides: w.strides,
        padsBegin: w.padsBegin,
        padsEnd: w.padsEnd,
        dilations: w.dilations,
        paddingMode: w.paddingMode,
        ceilMode: ctx.attrs.int('ceil_mode', 0) === 1,
        countIncludePad: ctx.attrs.int('count_include_pad', 0) === 1,
        ...(type === 'lp' ? { p: ctx.attrs.float('p', 2) } : {}),
        ...(type === 'max' ? { storageOrder: ctx.attrs.int('storage_order', 0) === 1 ? (1 as const) : (0 as const) } : {}),
      });
    },
  };
}

function global(op: string, type: PoolType): Converter {
  return {
    domain: 'ai.onnx',
    op,
    dtypes: FLOAT_TYPES,
    restrictions: 'window = all spatial dims',
    validate: (ctx) => checkDType(ctx, 0, FLOAT_TYPES),
    convert(ctx) {
      addPooling(ctx, {
        type,
        global: true,
        window: [],
        strides: [],
        padsBegin: [],
        padsEnd: [],
        dilations: [],
        paddingMode: 'valid',
        ceilMode: false,
        countIncludePad: false,
        ...(type === 'lp' ? { p: ctx.attrs.float('p', 2) } : {}),
      });
    },
  };
}

export const poolingConverters: readonly Converter[] = [
  windowed('MaxPool', 'max'),
  windowed('AveragePool', 'average'),
  windowed('LpPool', 'lp'),
  global('GlobalMaxPool', 'max'),
  global('GlobalAveragePool', 'average'),
  global('GlobalLpPool', 'lp'),
];
