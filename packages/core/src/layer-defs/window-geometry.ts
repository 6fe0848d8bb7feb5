/**
 * Sliding-window geometry (convolution and pooling): the output size and the effective pads of
 * a window over each spatial dim, for symbolic dims (inference) and concrete ones (the CPU
 * kernels, the lowering). SAME modes pad so that out = ceil(in / stride), SAME_UPPER putting the
 * odd pad at the end; with ceilMode a last window that would start inside the end padding is
 * dropped (the PyTorch/ONNX rule).
 */
import { ErrorCode, KilnError, type KilnErrorOptions } from '../errors.js';
import type { PaddingMode } from '../layers.js';
import type { Dim } from '../shape.js';

/** One value per spatial dim: an empty list means `fallback` everywhere (ONNX defaults). */
export function perDim(values: readonly number[] | undefined, rank: number, fallback: number, what: string): number[] {
  if (!values || values.length === 0) return new Array<number>(rank).fill(fallback);
  if (values.length !== rank) {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `${what} has ${values.length} entries but the input has ${rank} spatial dims`, {
      hint: `give one ${what} value per spatial dimension`,
    });
  }
  return [...values];
}

export interface WindowDimSpec {
  kernel: number;
  stride: number;
  dilation: number;
  padBegin: number;
  padEnd: number;
  /** 'same_*' pads so that out = ceil(in / stride); 'valid' ignores the pads; 'explicit' uses them. */
  paddingMode: PaddingMode;
  /** Rounds the last partial window up (pooling's ceil_mode), dropping one that starts in the end padding. */
  ceilMode?: boolean;
}

/**
 * Output size of a sliding window over a dim of size `size`: `(in + padB + padE − dilation·(k−1) − 1) / stride + 1`,
 * rounded down (or up with ceilMode). Throws INVALID_SHAPE when the window does not fit a known
 * padded input; a symbolic input keeps its name only where the window maps it onto itself.
 */
export function windowOutputDim(size: Dim, spec: WindowDimSpec, context?: KilnErrorOptions): Dim {
  if (typeof size === 'number') return windowDim(size, spec, context).out;
  // A symbolic dim keeps its name only where the window maps it onto itself.
  if (spec.paddingMode === 'same_upper' || spec.paddingMode === 'same_lower') return spec.stride === 1 ? size : null;
  const span = (spec.kernel - 1) * spec.dilation + 1;
  const pads = spec.paddingMode === 'explicit' ? spec.padBegin + spec.padEnd : 0;
  return spec.stride === 1 && pads === span - 1 ? size : null;
}

/** Output size and effective pads of a window over one concrete dim. */
export function windowDim(
  size: number,
  spec: WindowDimSpec,
  context?: KilnErrorOptions,
): { out: number; padBegin: number; padEnd: number } {
  const { kernel: k, stride: s, dilation: dil } = spec;
  if (!(k >= 1 && s >= 1 && dil >= 1)) {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `window: kernel ${k}, stride ${s}, dilation ${dil} must all be ≥ 1`, context);
  }
  const span = (k - 1) * dil + 1;
  if (spec.paddingMode === 'same_upper' || spec.paddingMode === 'same_lower') {
    const out = Math.ceil(size / s);
    const total = Math.max(0, (out - 1) * s + span - size);
    const small = Math.floor(total / 2);
    const padBegin = spec.paddingMode === 'same_upper' ? small : total - small;
    return { out, padBegin, padEnd: total - padBegin };
  }
  const pb = spec.paddingMode === 'explicit' ? spec.padBegin : 0;
  const pe = spec.paddingMode === 'explicit' ? spec.padEnd : 0;
  const room = size + pb + pe - span;
  if (room < 0) {
    throw new KilnError(ErrorCode.INVALID_SHAPE, `a window of span ${span} does not fit a dim of size ${size} with pads ${pb}+${pe}`, {
      ...context,
      hint: context?.hint ?? 'the input is smaller than the kernel: feed a larger input or pad it',
    });
  }
  let out = (spec.ceilMode ? Math.ceil(room / s) : Math.floor(room / s)) + 1;
  if (spec.ceilMode && (out - 1) * s >= size + pb) out--;
  return { out, padBegin: pb, padEnd: pe };
}

export interface WindowSpec {
  kernel: readonly number[];
  strides: readonly number[];
  dilations: readonly number[];
  padsBegin: readonly number[];
  padsEnd: readonly number[];
  paddingMode: PaddingMode;
  ceilMode?: boolean;
}

export interface WindowGeometry {
  outSpatial: number[];
  padsBegin: number[];
  padsEnd: number[];
}

/** Output spatial sizes and effective pads of a window over concrete spatial dims. */
export function windowGeometry(inSpatial: readonly number[], spec: WindowSpec): WindowGeometry {
  const geometry: WindowGeometry = { outSpatial: [], padsBegin: [], padsEnd: [] };
  inSpatial.forEach((size, d) => {
    const g = windowDim(
      size,
      {
        kernel: spec.kernel[d]!,
        stride: spec.strides[d]!,
        dilation: spec.dilations[d]!,
        padBegin: spec.padsBegin[d] ?? 0,
        padEnd: spec.padsEnd[d] ?? 0,
        paddingMode: spec.paddingMode,
        ...(spec.ceilMode ? { ceilMode: true } : {}),
      },
      { hint: `spatial dim ${d} is smaller than the window: feed a larger input or pad it` },
    );
    geometry.outSpatial.push(g.out);
    geometry.padsBegin.push(g.padBegin);
    geometry.padsEnd.push(g.padEnd);
  });
  return geometry;
}
