/**
 * kiln::QuantizeAndDequantize v1 — TF QuantizeAndDequantizeV2/V3/V4 with range_given =
 * false: the range is the input's own min/max (per slice along `axis`, or over everything
 * when axis is -1), measured on every run. TF then picks the largest scale that maps the
 * range into the integer grid [qmin, qmax] keeping 0 exact, rounds x · scale (half to even
 * or half up) and scales back. Fields: bits, signed, narrow, roundMode, axis.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from '../kernels/util/values.js';
import { boolField, numberField, pluginError, pluginInput, stringField } from './plugin-fields.js';

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const quantizeDequantizePlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x = pluginInput(layer, inputs, 0, 'input');
  const bits = numberField(layer, 'bits', 8);
  const signed = boolField(layer, 'signed', true);
  const narrow = boolField(layer, 'narrow', false);
  const halfUp = stringField(layer, 'roundMode', 'HALF_TO_EVEN') === 'HALF_UP';
  const axisField = numberField(layer, 'axis', -1);
  if (!Number.isInteger(bits) || bits < 1 || bits > (signed ? 63 : 62)) {
    throw pluginError(layer, ErrorCode.INVALID_ATTRIBUTE, `num_bits = ${bits} is out of range`);
  }
  if (axisField !== -1 && (axisField < 0 || axisField >= x.rank)) {
    throw pluginError(layer, ErrorCode.INVALID_ATTRIBUTE, `axis ${axisField} is outside the input's rank ${x.rank}`);
  }
  const qMin = signed ? -(2 ** (bits - 1)) + (narrow ? 1 : 0) : 0;
  const qMax = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const channels = axisField === -1 ? 1 : x.shape[axisField]!;
  const inner = axisField === -1 ? 1 : x.shape.slice(axisField + 1).reduce((a, b) => a * b, 1);
  const v = numbers(x);
  const channelOf = (i: number): number => (axisField === -1 ? 0 : Math.floor(i / inner) % channels);
  const lo = new Float64Array(channels).fill(Number.POSITIVE_INFINITY);
  const hi = new Float64Array(channels).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < v.length; i++) {
    const c = channelOf(i);
    lo[c] = Math.min(lo[c]!, v[i]!);
    hi[c] = Math.max(hi[c]!, v[i]!);
  }
  const scale = new Float64Array(channels);
  const inverse = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const fromMin = qMin * lo[c]! > 0 ? qMin / lo[c]! : Number.MAX_VALUE;
    const fromMax = qMax * hi[c]! > 0 ? qMax / hi[c]! : Number.MAX_VALUE;
    // The side that sets the scale keeps its end of the range; 0 stays exact.
    [scale[c], inverse[c]] = fromMin < fromMax ? [fromMin, lo[c]! / qMin] : [fromMax, hi[c]! / qMax];
  }
  const y = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const c = channelOf(i);
    const s = v[i]! * scale[c]!;
    y[i] = (halfUp ? Math.floor(s + 0.5) : roundHalfEven(s)) * inverse[c]!;
  }
  return [fromNumbers(x.dtype, x.shape, y)];
};
