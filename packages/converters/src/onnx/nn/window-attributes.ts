/**
 * Attributes shared by ONNX sliding-window ops (Conv, ConvTranspose, pooling): kernel_shape,
 * strides, dilations, pads ([begin…, end…]) and auto_pad, read once and checked for consistency.
 */
import type { PaddingMode } from '@kiln-inference/core';
import type { AttributeReader } from '../../attributes.js';
import { SUPPORTED, type Support, unsupported } from '../../converter.js';

export interface WindowAttributes {
  kernelShape: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  paddingMode: PaddingMode;
}

const AUTO_PAD: Record<string, PaddingMode> = {
  NOTSET: 'explicit',
  '': 'explicit',
  SAME_UPPER: 'same_upper',
  SAME_LOWER: 'same_lower',
  VALID: 'valid',
};

/** Spatial rank implied by the attributes or the weight/input shape, when any of them says. */
export function spatialRankOf(attrs: AttributeReader, inputRank: number | undefined): number | undefined {
  const kernel = attrs.ints('kernel_shape');
  if (kernel && kernel.length > 0) return kernel.length;
  const pads = attrs.ints('pads');
  if (pads && pads.length > 0) return pads.length / 2;
  for (const name of ['strides', 'dilations']) {
    const v = attrs.ints(name);
    if (v && v.length > 0) return v.length;
  }
  return inputRank !== undefined ? inputRank - 2 : undefined;
}

export function validateWindowAttributes(attrs: AttributeReader, requireKernel: boolean): Support {
  const autoPad = attrs.string('auto_pad', 'NOTSET');
  if (!(autoPad in AUTO_PAD))
    return unsupported('unsupported-attribute', `auto_pad '${autoPad}' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID`);
  const kernel = attrs.ints('kernel_shape');
  if (requireKernel && (!kernel || kernel.length === 0)) return unsupported('unsupported-attribute', 'kernel_shape is required');
  if (kernel?.some((k) => !Number.isInteger(k) || k < 1))
    return unsupported('unsupported-attribute', `kernel_shape [${kernel.join(',')}] must be positive`);
  const pads = attrs.ints('pads');
  if (pads && (pads.length % 2 !== 0 || pads.some((p) => !Number.isInteger(p) || p < 0))) {
    return unsupported('unsupported-attribute', `pads [${pads.join(',')}] must be 2×rank non-negative integers`);
  }
  for (const name of ['strides', 'dilations']) {
    const v = attrs.ints(name);
    if (v?.some((s) => !Number.isInteger(s) || s < 1))
      return unsupported('unsupported-attribute', `${name} [${v.join(',')}] must be positive integers`);
  }
  const rank = spatialRankOf(attrs, undefined);
  if (rank !== undefined) {
    for (const name of ['kernel_shape', 'strides', 'dilations']) {
      const v = attrs.ints(name);
      if (v && v.length > 0 && v.length !== rank)
        return unsupported('unsupported-attribute', `${name} has ${v.length} entries, expected ${rank}`);
    }
    if (pads && pads.length > 0 && pads.length !== 2 * rank)
      return unsupported('unsupported-attribute', `pads has ${pads.length} entries, expected ${2 * rank}`);
  }
  return SUPPORTED;
}

export function readWindowAttributes(attrs: AttributeReader): WindowAttributes {
  const pads = attrs.ints('pads', []);
  const half = pads.length / 2;
  return {
    kernelShape: attrs.ints('kernel_shape', []),
    strides: attrs.ints('strides', []),
    dilations: attrs.ints('dilations', []),
    padsBegin: pads.slice(0, half),
    padsEnd: pads.slice(half),
    paddingMode: AUTO_PAD[attrs.string('auto_pad', 'NOTSET')] ?? 'explicit',
  };
}
