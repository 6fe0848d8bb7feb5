/**
 * ONNX QuantizeLinear: q = saturate(round_half_even(x / scale) + zeroPoint) for integer targets
 * (int2…int16, uint2…uint16, int32), and q = cast(x / scale) with optional saturation for float8
 * targets. Scales are per tensor, per axis, or per block along the axis (opset 21).
 */
import {
  type DType,
  dtypeInfo,
  ErrorCode,
  encodeValues,
  KilnError,
  normalizeAxis,
  type QuantizationParams,
  Tensor,
} from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { roundHalfEven } from './unary.js';
import { numbers } from './util/values.js';

/**
 * For every element of `x`, the index of the scale / zero point that applies to it.
 * Throws when the scale's shape does not fit the quantization mode.
 */
export function quantizationParamIndex(shape: readonly number[], scale: Tensor, params: QuantizationParams): (i: number) => number {
  if (params.axis === null || (scale.size === 1 && !params.blockSize)) {
    if (scale.size !== 1) throw new KilnError(ErrorCode.SHAPE_MISMATCH, `per-tensor scale must have one element, got ${scale.size}`);
    return () => 0;
  }
  const axis = normalizeAxis(params.axis, shape.length);
  const length = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const block = params.blockSize ?? 0;
  if (block > 0) {
    const blocks = Math.ceil(length / block);
    const expected = shape.map((d, i) => (i === axis ? blocks : d));
    if (scale.rank !== shape.length || scale.shape.some((d, i) => d !== expected[i])) {
      throw new KilnError(ErrorCode.SHAPE_MISMATCH, `blocked scale shape [${scale.shape.join(',')}] should be [${expected.join(',')}]`, {
        hint: `the quantized axis ${axis} has ${length} elements in blocks of ${block}`,
      });
    }
    return (i) => {
      const inRow = i % inner;
      const c = Math.floor(i / inner) % length;
      const o = Math.floor(i / (inner * length));
      return (o * blocks + Math.floor(c / block)) * inner + inRow;
    };
  }
  if (scale.size !== length) {
    throw new KilnError(ErrorCode.SHAPE_MISMATCH, `per-axis scale has ${scale.size} elements but axis ${axis} has ${length}`);
  }
  return (i) => Math.floor(i / inner) % length;
}

/** The inclusive integer range of a quantized integer dtype. */
function integerRange(dtype: DType): [number, number] {
  const info = dtypeInfo(dtype);
  return [info.min, info.max];
}

export const quantizeKernel: Kernel<'quantize'> = (layer, inputs) => {
  const [x, scale, zeroPoint] = inputs;
  if (!x || !scale) throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'quantize needs inputs [x, scale, zeroPoint?]');
  const params = layer.params;
  const target = zeroPoint?.dtype ?? params.quantizedType;
  const info = dtypeInfo(target);
  const paramIndex = quantizationParamIndex(x.shape, scale, params);
  const vx = numbers(x);
  const vs = numbers(scale);
  const vz = zeroPoint ? numbers(zeroPoint) : undefined;
  // The reference divides in the float type of x; float64 inputs stay float64.
  const narrow = x.dtype !== 'float64';
  const scaled = vx.map((v, i) => {
    const q = v / vs[paramIndex(i)]!;
    return narrow ? Math.fround(q) : q;
  });
  if (info.isEncodedFloat) {
    const out = scaled.map((q, i) => q + (vz ? vz[paramIndex(i)]! : 0));
    return [new Tensor(target, x.shape, encodeValues(target, out, { saturate: params.saturate ?? true }))];
  }
  if (!info.isInteger) throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `quantize cannot target ${target}`);
  const [lo, hi] = integerRange(target);
  const out = scaled.map((q, i) => {
    const r = roundHalfEven(q) + (vz ? vz[paramIndex(i)]! : 0);
    return Number.isNaN(r) ? 0 : Math.min(hi, Math.max(lo, r));
  });
  return [new Tensor(target, x.shape, encodeValues(target, out))];
};
