/** Convolution, pooling and normalization layers (NCHW-style layouts with spatial dims last). */
import type { Dim, Shape } from '@kiln-inference/core';
import { type InferenceRule, type NodeView, type TensorInfo, tensor } from './context.js';
import { unknownShape } from './dims.js';

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
  autoPad: string;
  ceil: boolean;
}

function windowOf(v: NodeView, spatial: number, kernelFromWeights: readonly Dim[] | null): Window | null {
  const kernel = v.ints('kernel_shape') ?? kernelFromWeights?.map((d) => (typeof d === 'number' ? d : Number.NaN));
  if (!kernel || kernel.length !== spatial || kernel.some((k) => !Number.isInteger(k))) return null;
  return {
    kernel,
    strides: v.ints('strides') ?? new Array<number>(spatial).fill(1),
    dilations: v.ints('dilations') ?? new Array<number>(spatial).fill(1),
    pads: v.ints('pads') ?? new Array<number>(spatial * 2).fill(0),
    autoPad: v.attr('auto_pad', 'string') ?? 'NOTSET',
    ceil: v.int('ceil_mode', 0) === 1,
  };
}

/** Output length of one sliding-window axis (Conv, pools); null when the input length is unknown. */
function windowOutput(size: Dim, w: Window, i: number): Dim {
  const stride = w.strides[i] ?? 1;
  const effectiveKernel = ((w.kernel[i] ?? 1) - 1) * (w.dilations[i] ?? 1) + 1;
  const same = w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER';
  const padBegin = w.autoPad === 'VALID' || same ? 0 : (w.pads[i] ?? 0);
  const padTotal = w.autoPad === 'VALID' || same ? 0 : padBegin + (w.pads[i + w.kernel.length] ?? 0);
  if (typeof size !== 'number') {
    // A stride-1 window whose padding covers the kernel keeps a symbolic length as it is.
    return stride === 1 && (same || padTotal === effectiveKernel - 1) ? size : null;
  }
  if (same) return Math.ceil(size / stride);
  const span = size + padTotal - effectiveKernel;
  if (span < 0) return null;
  let out = (w.ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // A window that would start entirely in the end padding is dropped (ceil mode only).
  if (w.ceil && (out - 1) * stride >= size + padBegin) out--;
  return out;
}

function slidingWindow(v: NodeView, channels: Dim, kernelFromWeights: readonly Dim[] | null): Shape | null {
  const x = v.shape(0);
  if (!x || x.length < 3) return x ? unknownShape(x.length) : null;
  const spatial = x.length - 2;
  const w = windowOf(v, spatial, kernelFromWeights);
  if (!w) return [x[0]!, channels, ...unknownShape(spatial)];
  return [x[0]!, channels, ...x.slice(2).map((d, i) => windowOutput(d, w, i))];
}

const conv: InferenceRule = (v) => {
  const weights = v.shape(1);
  const channels = weights?.[0] ?? null;
  return [tensor(v.dtype(0), slidingWindow(v, channels, weights ? weights.slice(2) : null))];
};

const convInteger: InferenceRule = (v) => [tensor('int32', (conv(v)[0] as TensorInfo).shape)];

const pool: InferenceRule = (v) => {
  const shape = slidingWindow(v, v.shape(0)?.[1] ?? null, null);
  return [tensor(v.dtype(0), shape), tensor('int64', shape)];
};

function convTransposeAxis(size: Dim, v: NodeView, w: Window, i: number): Dim {
  if (typeof size !== 'number') return null;
  const stride = w.strides[i] ?? 1;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return size * stride;
  const outputPadding = v.ints('output_padding')?.[i] ?? 0;
  const effectiveKernel = ((w.kernel[i] ?? 1) - 1) * (w.dilations[i] ?? 1) + 1;
  const pads = w.autoPad === 'VALID' ? 0 : (w.pads[i] ?? 0) + (w.pads[i + w.kernel.length] ?? 0);
  return stride * (size - 1) + outputPadding + effectiveKernel - pads;
}

const convTranspose: InferenceRule = (v) => {
  const x = v.shape(0);
  const weights = v.shape(1);
  const group = v.int('group', 1);
  const perGroup = weights?.[1];
  const channels = typeof perGroup === 'number' ? perGroup * group : null;
  if (!x || x.length < 3) return [tensor(v.dtype(0), x ? unknownShape(x.length) : null)];
  const spatial = x.length - 2;
  const explicit = v.ints('output_shape');
  if (explicit && explicit.length >= spatial) return [tensor(v.dtype(0), [x[0]!, channels, ...explicit.slice(-spatial)])];
  const w = windowOf(v, spatial, weights ? weights.slice(2) : null);
  const dims = w ? x.slice(2).map((d, i) => convTransposeAxis(d, v, w, i)) : unknownShape(spatial);
  return [tensor(v.dtype(0), [x[0]!, channels, ...dims])];
};

const globalPool: InferenceRule = (v) => {
  const x = v.shape(0);
  return [tensor(v.dtype(0), x ? [...x.slice(0, 2), ...new Array<Dim>(Math.max(0, x.length - 2)).fill(1)] : null)];
};

const batchNorm: InferenceRule = (v) => [tensor(v.dtype(0), v.shape(0)), tensor(v.dtype(3), v.shape(3)), tensor(v.dtype(4), v.shape(4))];

const layerNorm: InferenceRule = (v) => {
  const x = v.shape(0);
  const axis = v.int('axis', -1);
  const stashType = v.int('stash_type', 1) === 1 ? 'float32' : v.dtype(0);
  const reduced = x ? x.map((d, i) => (i >= (axis < 0 ? axis + x.length : axis) ? 1 : d)) : null;
  return [tensor(v.dtype(0), x), tensor(stashType, reduced), tensor(stashType, reduced)];
};

function blockRearrange(v: NodeView, toDepth: boolean): TensorInfo {
  const x = v.shape(0);
  const b = v.int('blocksize', 1);
  if (x?.length !== 4) return tensor(v.dtype(0), x ? unknownShape(x.length) : null);
  const [n, c, h, w] = x as [Dim, Dim, Dim, Dim];
  const scale = (d: Dim, f: number) => (typeof d === 'number' ? d * f : null);
  const divide = (d: Dim, f: number) => (typeof d === 'number' ? d / f : null);
  return toDepth
    ? tensor(v.dtype(0), [n, scale(c, b * b), divide(h, b), divide(w, b)])
    : tensor(v.dtype(0), [n, divide(c, b * b), scale(h, b), scale(w, b)]);
}

export const CONV_POOL_RULES: Record<string, InferenceRule> = {
  Conv: conv,
  ConvInteger: convInteger,
  ConvTranspose: convTranspose,
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  DepthToSpace: (v) => [blockRearrange(v, false)],
  SpaceToDepth: (v) => [blockRearrange(v, true)],
};
