/**
 * TF's simulated quantization, kept for the quantizer as explicit clamp → quantize →
 * dequantize layers whose scale and zero point carry the model's own ranges:
 *   - FakeQuantWithMinMaxArgs / Vars / VarsPerChannel: affine, TF's "nudged" range so that
 *     zero is exactly representable, levels [0 or 1, 2^bits − 1];
 *   - QuantizeAndDequantizeV2/V3/V4: symmetric around zero (signed or not), scale chosen so
 *     the given range fits. Without range_given TF measures the range on every run, so
 *     those run as kiln's QuantizeAndDequantize plugin instead.
 * The clamp reproduces TF's saturation at the (nudged or adjusted) range ends exactly.
 */
import { type DType, Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter, Support, ValidationContext } from '../converter.js';
import { checkConstants } from './constant-inputs.js';
import { constNumbers, inputDType, out, rankOf, tfConverter, tfPlugin } from './helpers.js';

interface Grid {
  /** Per channel (or one value): step, zero point, clamp bounds. */
  scale: number[];
  zeroPoint: number[];
  low: number[];
  high: number[];
  quantizedType: DType;
}

/** TF's nudging of an affine range [min, max] onto 2^bits levels. */
export function nudge(
  min: number,
  max: number,
  bits: number,
  narrow: boolean,
): { scale: number; zeroPoint: number; low: number; high: number } {
  const qMin = narrow ? 1 : 0;
  const qMax = 2 ** bits - 1;
  const scale = (max - min) / (qMax - qMin);
  const zeroFromMin = qMin - min / scale;
  const zeroPoint = zeroFromMin < qMin ? qMin : zeroFromMin > qMax ? qMax : Math.round(zeroFromMin);
  return { scale, zeroPoint, low: (qMin - zeroPoint) * scale, high: (qMax - zeroPoint) * scale };
}

/** TF's symmetric scale for QuantizeAndDequantize: the largest step that fits [min, max]. */
export function symmetricScale(
  min: number,
  max: number,
  bits: number,
  signed: boolean,
  narrow: boolean,
): { scale: number; low: number; high: number } {
  const qMin = signed ? -(2 ** (bits - 1)) + (narrow ? 1 : 0) : 0;
  const qMax = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const fromMin = qMin * min > 0 ? qMin / min : Number.POSITIVE_INFINITY;
  const fromMax = qMax * max > 0 ? qMax / max : Number.POSITIVE_INFINITY;
  const inverse = Math.min(fromMin, fromMax);
  if (!Number.isFinite(inverse)) return { scale: 1, low: 0, high: 0 };
  return { scale: 1 / inverse, low: qMin / inverse, high: qMax / inverse };
}

function checkBits(bits: number): Support {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) {
    return { supported: false, category: 'unsupported-attribute', reason: `num_bits = ${bits}: kiln quantizes to 2..8 bits` };
  }
  return { supported: true };
}

/** Emits clamp → quantize → dequantize for one grid; per-channel grids run along the last axis. */
function emitQdq(ctx: ConversionContext, grid: Grid): void {
  const dtype = inputDType(ctx);
  const perChannel = grid.scale.length > 1;
  const shape = perChannel ? [grid.scale.length] : [];
  const f32 = (v: number[], hint: string): string =>
    ctx.constant(new Tensor('float32', shape, Float32Array.from(v)), `${ctx.node.name}/${hint}`);
  const rank = rankOf(ctx, 0);
  const axis = perChannel ? (rank !== undefined ? rank - 1 : -1) : null;
  const low = ctx.addLayer('elementwise', { op: 'max' }, [ctx.input(0), f32(grid.low, 'range_min')], [{ dtype }])[0]!;
  const clamped = ctx.addLayer('elementwise', { op: 'min' }, [low, f32(grid.high, 'range_max')], [{ dtype }])[0]!;
  const scale = f32(grid.scale, 'scale');
  const zero = ctx.constant(Tensor.fromValues(grid.quantizedType, shape, grid.zeroPoint), `${ctx.node.name}/zero_point`);
  const qParams = { axis, quantizedType: grid.quantizedType, floatType: dtype };
  const q = ctx.addLayer('quantize', qParams, [clamped, scale, zero], [{ dtype: grid.quantizedType }])[0]!;
  ctx.addLayer('dequantize', qParams, [q, scale, zero], [out(ctx, dtype)]);
}

function fakeQuant(ctx: ConversionContext, mins: number[], maxs: number[]): void {
  const bits = ctx.attrs.int('num_bits', 8);
  const narrow = ctx.attrs.bool('narrow_range', false);
  const grids = mins.map((m, i) => nudge(m, maxs[i]!, bits, narrow));
  emitQdq(ctx, {
    scale: grids.map((g) => g.scale),
    zeroPoint: grids.map((g) => g.zeroPoint),
    low: grids.map((g) => g.low),
    high: grids.map((g) => g.high),
    quantizedType: 'uint8',
  });
}

function quantizeAndDequantize(ctx: ConversionContext, bitsFromInput: boolean): void {
  const bits = bitsFromInput ? constNumbers(ctx, 3, 'num_bits')[0]! : ctx.attrs.int('num_bits', 8);
  const signed = ctx.attrs.bool('signed_input', true);
  const narrow = ctx.attrs.bool('narrow_range', false);
  if (!ctx.attrs.bool('range_given', false)) {
    const fields = { bits, signed, narrow, roundMode: ctx.attrs.string('round_mode', 'HALF_TO_EVEN'), axis: ctx.attrs.int('axis', -1) };
    tfPlugin(ctx, 'QuantizeAndDequantize', fields, [ctx.input(0)], [out(ctx, inputDType(ctx))]);
    return;
  }
  const mins = constNumbers(ctx, 1, 'input_min');
  const maxs = constNumbers(ctx, 2, 'input_max');
  const grids = mins.map((m, i) => symmetricScale(m, maxs[i]!, bits, signed, narrow));
  emitQdq(ctx, {
    scale: grids.map((g) => g.scale),
    zeroPoint: grids.map(() => 0),
    low: grids.map((g) => g.low),
    high: grids.map((g) => g.high),
    quantizedType: signed ? 'int8' : 'uint8',
  });
}

function validateFakeQuant(ctx: ValidationContext): Support {
  return checkBits(ctx.attrs.int('num_bits', 8));
}

function validateQdq(ctx: ValidationContext): Support {
  if (ctx.node.op !== 'QuantizeAndDequantizeV3') {
    const bits = checkBits(ctx.attrs.int('num_bits', 8));
    if (!bits.supported) return bits;
  }
  const round = ctx.attrs.string('round_mode', 'HALF_TO_EVEN');
  if (!ctx.attrs.bool('range_given', false)) {
    if (round !== 'HALF_TO_EVEN' && round !== 'HALF_UP')
      return { supported: false, category: 'unsupported-attribute', reason: `round_mode '${round}' is not HALF_TO_EVEN or HALF_UP` };
    return { supported: true };
  }
  const constants = checkConstants(ctx, [1, 2]);
  if (!constants.supported) return constants;
  if (round !== 'HALF_TO_EVEN')
    return { supported: false, category: 'unsupported-attribute', reason: `round_mode '${round}': kiln's quantize rounds half to even` };
  return { supported: true };
}

export const tfQuantizationConverters: Converter[] = [
  tfConverter(
    'FakeQuantWithMinMaxArgs',
    (ctx) => fakeQuant(ctx, [ctx.attrs.float('min', -6)], [ctx.attrs.float('max', 6)]),
    validateFakeQuant,
  ),
  tfConverter(
    'FakeQuantWithMinMaxVars',
    (ctx) => fakeQuant(ctx, constNumbers(ctx, 1, 'min'), constNumbers(ctx, 2, 'max')),
    validateFakeQuant,
  ),
  tfConverter(
    'FakeQuantWithMinMaxVarsPerChannel',
    (ctx) => fakeQuant(ctx, constNumbers(ctx, 1, 'min'), constNumbers(ctx, 2, 'max')),
    validateFakeQuant,
  ),
  tfConverter('QuantizeAndDequantizeV2', (ctx) => quantizeAndDequantize(ctx, false), validateQdq, 'HALF_TO_EVEN rounding with range_given'),
  tfConverter('QuantizeAndDequantizeV3', (ctx) => quantizeAndDequantize(ctx, true), validateQdq, 'num_bits constant'),
  tfConverter('QuantizeAndDequantizeV4', (ctx) => quantizeAndDequantize(ctx, false), validateQdq, 'HALF_TO_EVEN rounding with range_given'),
];
