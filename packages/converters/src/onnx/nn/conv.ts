/**
 * ONNX Conv, ConvTranspose, ConvInteger and QLinearConv → convolution / deconvolution layers.
 * The integer forms lower onto the same convolution: ConvInteger subtracts zero points in int32
 * and convolves exactly; QLinearConv dequantizes, convolves in float32 and quantizes again.
 */
import { type DType, Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter, Support, ValidationContext } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';
import { readWindowAttributes, validateWindowAttributes } from './window-attributes.js';

export const FLOAT_TYPES: readonly DType[] = ['float32', 'float16', 'float64', 'bfloat16'];

/** Rejects a known input dtype outside `allowed`. */
export function checkDType(ctx: ValidationContext, index: number, allowed: readonly DType[]): Support {
  const dt = ctx.inputDType(index);
  if (dt !== undefined && !allowed.includes(dt)) {
    return unsupported('unsupported-dtype', `input ${index} is ${dt}; ${ctx.node.op} takes ${allowed.join(', ')}`);
  }
  return SUPPORTED;
}

/** The first unsupported verdict of a list, else SUPPORTED. */
export function firstFailure(...verdicts: Support[]): Support {
  return verdicts.find((v) => !v.supported) ?? SUPPORTED;
}

function convParams(ctx: ConversionContext) {
  const w = readWindowAttributes(ctx.attrs);
  return { ...w, groups: ctx.attrs.int('group', 1), layout: 'channels_first' as const };
}

function validateConvAttributes(ctx: ValidationContext, weightIndex = 1): Support {
  const group = ctx.attrs.int('group', 1);
  if (!Number.isInteger(group) || group < 1) return unsupported('unsupported-attribute', `group ${group} must be a positive integer`);
  // kernel_shape, when given, must describe the weights (the kernels read the weights' shape).
  const kernel = ctx.attrs.ints('kernel_shape', []);
  const w = ctx.inputShape(weightIndex);
  if (kernel.length > 0 && w && w.length === kernel.length + 2 && kernel.some((k, i) => typeof w[i + 2] === 'number' && w[i + 2] !== k)) {
    return unsupported('unsupported-attribute', `kernel_shape [${kernel.join(',')}] disagrees with the weights [${w.join(',')}]`);
  }
  return validateWindowAttributes(ctx.attrs, false);
}

function validateConv(ctx: ValidationContext): Support {
  return firstFailure(validateConvAttributes(ctx), checkDType(ctx, 0, FLOAT_TYPES));
}

const conv: Converter = {
  domain: 'ai.onnx',
  op: 'Conv',
  dtypes: FLOAT_TYPES,
  restrictions: '1-D/2-D/3-D (any rank ≥ 1 spatial), groups, dilations, explicit or auto pads',
  validate: validateConv,
  convert(ctx) {
    const dtype = ctx.inputDType(0) ?? 'float32';
    ctx.addLayer('convolution', convParams(ctx), [ctx.input(0), ctx.input(1), ctx.input(2)], [{ name: ctx.output(0), dtype }]);
  },
};

const convTranspose: Converter = {
  domain: 'ai.onnx',
  op: 'ConvTranspose',
  dtypes: FLOAT_TYPES,
  restrictions: 'output_padding and output_shape (spatial or full) supported',
  validate(ctx) {
    const outPad = ctx.attrs.ints('output_padding', []);
    if (outPad.some((p) => !Number.isInteger(p) || p < 0))
      return unsupported('unsupported-attribute', `output_padding [${outPad.join(',')}] must be non-negative`);
    return validateConv(ctx);
  },
  convert(ctx) {
    const dtype = ctx.inputDType(0) ?? 'float32';
    const outputShape = ctx.attrs.ints('output_shape');
    const params = {
      ...convParams(ctx),
      outputPadding: ctx.attrs.ints('output_padding', []),
      ...(outputShape && outputShape.length > 0 ? { outputShape } : {}),
    };
    ctx.addLayer('deconvolution', params, [ctx.input(0), ctx.input(1), ctx.input(2)], [{ name: ctx.output(0), dtype }]);
  },
};

/** input i cast to int32, minus its zero point (broadcast per output channel for weights). */
function centred(ctx: ConversionContext, index: number, zeroIndex: number, perChannel: boolean): string {
  const value = ctx.addLayer('cast', { to: 'int32' }, [ctx.input(index)], [{ dtype: 'int32' }])[0]!;
  if (!ctx.hasInput(zeroIndex)) return value;
  let zero = ctx.addLayer('cast', { to: 'int32' }, [ctx.input(zeroIndex)], [{ dtype: 'int32' }])[0]!;
  const rank = ctx.inputShape(index)?.length;
  const zeroSize = ctx.inputShape(zeroIndex);
  const isVector = zeroSize !== undefined && zeroSize !== null && zeroSize.length === 1 && zeroSize[0] !== 1;
  if (perChannel && isVector && rank !== undefined) {
    // Per-output-channel zero points [M] broadcast over [M, C, k…] as [M, 1, 1…].
    zero = ctx.addLayer('shuffle', { reshape: [-1, ...new Array<number>(rank - 1).fill(1)] }, [zero], [{ dtype: 'int32' }])[0]!;
  }
  return ctx.addLayer('elementwise', { op: 'sub' }, [value, zero], [{ dtype: 'int32' }])[0]!;
}

const INT8_TYPES: readonly DType[] = ['int8', 'uint8'];

const convInteger: Converter = {
  domain: 'ai.onnx',
  op: 'ConvInteger',
  dtypes: INT8_TYPES,
  restrictions: 'int8/uint8; exact int32 accumulation',
  validate(ctx) {
    const w = ctx.inputShape(3);
    if (w && w.length === 1 && ctx.inputShape(1) === undefined)
      return unsupported('dynamic-shape', 'per-channel weight zero points need the weight rank');
    return firstFailure(validateConvAttributes(ctx), checkDType(ctx, 0, INT8_TYPES), checkDType(ctx, 1, INT8_TYPES));
  },
  convert(ctx) {
    const x = centred(ctx, 0, 2, false);
    const w = centred(ctx, 1, 3, true);
    ctx.addLayer('convolution', convParams(ctx), [x, w, ''], [{ name: ctx.output(0), dtype: 'int32' }]);
  },
};

/** Whether a scale input holds more than one value (per-axis quantization). */
function isPerAxis(ctx: ConversionContext, index: number): boolean {
  const c = ctx.constantInput(index);
  if (c) return c.size > 1;
  const s = ctx.inputShape(index);
  return !!s && s.length === 1 && s[0] !== 1;
}

const qlinearConv: Converter = {
  domain: 'ai.onnx',
  op: 'QLinearConv',
  dtypes: INT8_TYPES,
  restrictions: 'per-tensor or per-output-channel weight scales; float32 accumulation',
  validate(ctx) {
    return firstFailure(validateConvAttributes(ctx, 3), checkDType(ctx, 0, INT8_TYPES), checkDType(ctx, 3, INT8_TYPES));
  },
  convert(ctx) {
    const xType = ctx.inputDType(0) ?? 'uint8';
    const wType = ctx.inputDType(3) ?? 'uint8';
    const yType = ctx.inputDType(7) ?? xType;
    const q = (quantizedType: DType, axis: number | null) => ({ axis, quantizedType, floatType: 'float32' as const });
    const wAxis = isPerAxis(ctx, 4) ? 0 : null;
    const x = ctx.addLayer('dequantize', q(xType, null), [ctx.input(0), ctx.input(1), ctx.input(2)], [{ dtype: 'float32' }])[0]!;
    const w = ctx.addLayer('dequantize', q(wType, wAxis), [ctx.input(3), ctx.input(4), ctx.input(5)], [{ dtype: 'float32' }])[0]!;
    let bias = '';
    if (ctx.hasInput(8)) {
      // The int32 bias is quantized with scale x_scale * w_scale and zero point 0.
      const scale = ctx.addLayer('elementwise', { op: 'mul' }, [ctx.input(1), ctx.input(4)], [{ dtype: 'float32' }])[0]!;
      bias = ctx.addLayer('dequantize', q('int32', wAxis), [ctx.input(8), scale, ''], [{ dtype: 'float32' }])[0]!;
    }
    const y = ctx.addLayer('convolution', convParams(ctx), [x, w, bias], [{ dtype: 'float32' }])[0]!;
    ctx.addLayer(
      'quantize',
      { axis: null, quantizedType: yType, floatType: 'float32' },
      [y, ctx.input(6), ctx.input(7)],
      [{ name: ctx.output(0), dtype: yType }],
    );
  },
};

/** A float constant with the dtype of input `like` (for folded weights). */
export function constantLike(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Tensor {
  return Tensor.fromValues(dtype, shape, Array.from(values));
}

export const convConverters: readonly Converter[] = [conv, convTranspose, convInteger, qlinearConv];
