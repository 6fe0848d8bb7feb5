/**
 * resize: ONNX Resize (and Upsample) for any rank. Each resized axis is resampled on its own
 * (the ONNX interpolation is separable): every output coordinate maps to an input coordinate
 * through the coordinate transform, then to taps (input index, weight). Nearest copies storage
 * elements (exact for every dtype); linear and cubic interpolate in float64.
 */
import { encodeValues, type Layer, stridesOf, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { axisIn, checkedShape, integerValues, layerError, mapAxes, requireInput, storageAt } from './util/data-movement.js';
import { fromNumbers } from './util/values.js';

type Params = Layer<'resize'>['params'];

/** Taps of one output coordinate, or null where tf_crop_and_resize extrapolates. */
type Taps = { idx: number[]; w: number[] } | null;

interface AxisPlan {
  axis: number;
  inSize: number;
  outSize: number;
  /** scale × input size before rounding: the reference transforms divide by this length. */
  outLength: number;
  scale: number;
  roiStart: number;
  roiEnd: number;
}

function toOriginal(p: Params, x: number, a: AxisPlan): number {
  const { scale, inSize, outSize, outLength } = a;
  switch (p.coordinateTransform) {
    case 'half_pixel':
      return (x + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      const adjustment = outSize / (scale * inSize);
      const offset = (inSize / 2) * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case 'pytorch_half_pixel':
      return outLength > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'align_corners':
      return outLength === 1 ? 0 : (x * (inSize - 1)) / (outLength - 1);
    case 'asymmetric':
      return x / scale;
    case 'tf_half_pixel_for_nn':
      return (x + 0.5) / scale;
    case 'tf_crop_and_resize':
      return outLength > 1
        ? a.roiStart * (inSize - 1) + (x * (a.roiEnd - a.roiStart) * (inSize - 1)) / (outLength - 1)
        : 0.5 * (a.roiStart + a.roiEnd) * (inSize - 1);
  }
}

function nearestIndex(mode: Params['nearestMode'], x: number): number {
  const f = Math.floor(x);
  if (mode === 'floor') return f;
  if (mode === 'ceil') return Math.ceil(x);
  if (x - f === 0.5) return mode === 'round_prefer_floor' ? f : f + 1;
  return Math.round(x);
}

function kernelWeight(mode: Params['mode'], a: number, d: number): number {
  const x = Math.abs(d);
  if (mode === 'linear') return Math.max(0, 1 - x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

function tapsFor(p: Params, a: AxisPlan, o: number): Taps {
  const x = toOriginal(p, o, a);
  const last = a.inSize - 1;
  if (p.coordinateTransform === 'tf_crop_and_resize' && (x < 0 || x > last)) return null;
  const clamp = (i: number): number => Math.min(Math.max(i, 0), last);
  if (p.mode === 'nearest') return { idx: [clamp(nearestIndex(p.nearestMode, x))], w: [1] };
  // Antialiasing widens the filter by 1/scale when downsampling.
  const s = p.antialias ? Math.min(a.scale, 1) : 1;
  const radius = p.mode === 'linear' ? 1 : 2;
  const start = Math.floor(-radius / s) + 1;
  const count = 2 - 2 * start;
  const f = Math.floor(x);
  const idx: number[] = [];
  const w: number[] = [];
  for (let j = 0; j < count; j++) {
    const i = f + start + j;
    const outside = i < 0 || i > last;
    idx.push(clamp(i));
    w.push(outside && p.excludeOutside ? 0 : kernelWeight(p.mode, p.cubicCoeffA, (x - i) * s));
  }
  if (p.antialias || p.excludeOutside) {
    const sum = w.reduce((t, v) => t + v, 0);
    if (sum !== 0) for (let j = 0; j < w.length; j++) w[j] = w[j]! / sum;
  }
  return { idx, w };
}

/** Per-axis output sizes and scales from the scales or sizes input. */
function planAxes(layer: Layer<'resize'>, x: Tensor, inputs: readonly (Tensor | undefined)[]): AxisPlan[] {
  const p = layer.params;
  const axes = p.axes ? p.axes.map((a) => axisIn(layer, a, x.rank)) : x.shape.map((_, i) => i);
  const roiT = inputs[1];
  const roi = roiT && roiT.size > 0 ? Array.from(roiT.toFloat64()) : undefined;
  const scalesT = inputs[2];
  const sizesT = inputs[3];
  const n = axes.length;
  let scales: number[];
  let sizes: number[];
  let stretchedSizes = false;
  if (sizesT && sizesT.size > 0) {
    const want = integerValues(layer, sizesT, 'sizes');
    if (want.length !== n) throw layerError(layer, `sizes has ${want.length} values for ${n} axes`);
    const ratios = want.map((s, i) => s / x.shape[axes[i]!]!);
    if (p.keepAspectRatioPolicy === 'stretch') {
      scales = ratios;
      sizes = want;
      stretchedSizes = true;
    } else {
      const r = p.keepAspectRatioPolicy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      scales = ratios.map(() => r);
      sizes = axes.map((a) => Math.round(r * x.shape[a]!));
    }
  } else if (scalesT && scalesT.size > 0) {
    scales = Array.from(scalesT.toFloat64());
    if (scales.length !== n) throw layerError(layer, `scales has ${scales.length} values for ${n} axes`);
    if (scales.some((s) => !(s > 0))) throw layerError(layer, `scales [${scales.join(',')}] must be positive`);
    sizes = axes.map((a, i) => Math.floor(x.shape[a]! * scales[i]!));
  } else {
    throw layerError(layer, 'neither scales nor sizes is given', 'Resize needs one of them');
  }
  if (roi && roi.length !== 2 * n) throw layerError(layer, `roi has ${roi.length} values for ${n} axes`);
  checkedShape(layer, sizes);
  return axes.map((axis, i) => ({
    axis,
    inSize: x.shape[axis]!,
    outSize: sizes[i]!,
    outLength: stretchedSizes ? sizes[i]! : scales[i]! * x.shape[axis]!,
    scale: scales[i]!,
    roiStart: roi ? roi[i]! : 0,
    roiEnd: roi ? roi[i + n]! : 1,
  }));
}

/** True when the taps copy every input coordinate to the same output coordinate (e.g. N and C axes). */
function isIdentity(taps: readonly Taps[], inSize: number): boolean {
  return taps.length === inSize && taps.every((t, o) => t?.idx.every((i, j) => t.w[j] === 0 || (i === o && t.w[j] === 1)));
}

/** Resamples one axis of float64 data with per-output-coordinate taps. */
function resampleAxis(
  data: Float64Array,
  shape: number[],
  axis: number,
  taps: Taps[],
  fill: number,
): { data: Float64Array; shape: number[] } {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = stridesOf(shape)[axis]!;
  const inLen = shape[axis]!;
  const outShape = [...shape];
  outShape[axis] = taps.length;
  const out = new Float64Array(outer * taps.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < taps.length; c++) {
      const t = taps[c]!;
      const dst = (o * taps.length + c) * inner;
      if (!t) {
        out.fill(fill, dst, dst + inner);
        continue;
      }
      // Accumulate tap by tap over the contiguous inner block.
      for (let j = 0; j < t.idx.length; j++) {
        const w = t.w[j]!;
        const src = (o * inLen + t.idx[j]!) * inner;
        for (let r = 0; r < inner; r++) out[dst + r]! += w * data[src + r]!;
      }
    }
  }
  return { data: out, shape: outShape };
}

export const resizeKernel: Kernel<'resize'> = (layer, inputs) => {
  const x = requireInput(layer, inputs, 0, 'x');
  const p = layer.params;
  const plans = planAxes(layer, x, inputs);
  for (const a of plans) {
    if (a.inSize === 0 && a.outSize > 0) throw layerError(layer, `cannot resize empty axis ${a.axis} to ${a.outSize}`);
  }
  checkedShape(
    layer,
    x.shape.map((d, i) => plans.find((a) => a.axis === i)?.outSize ?? d),
  );
  const tapLists = new Map(plans.map((a) => [a.axis, Array.from({ length: a.outSize }, (_, o) => tapsFor(p, a, o))]));
  const outShape = x.shape.map((d, i) => tapLists.get(i)?.length ?? d);
  if (p.mode === 'nearest') {
    const maps = x.shape.map((d, i) => tapLists.get(i)?.map((t) => (t ? t.idx[0]! : -1)) ?? Array.from({ length: d }, (_, c) => c));
    const fill = x.dtype === 'string' ? '' : storageAt(encodeValues(x.dtype, [p.extrapolationValue]), 0);
    return [mapAxes(x, outShape, maps, fill)];
  }
  if (x.dtype === 'string' || x.dtype === 'bool')
    throw layerError(layer, `${p.mode} resize is not defined for ${x.dtype}`, 'use nearest mode');
  let cur = { data: x.toFloat64(), shape: [...x.shape] };
  for (const a of plans) {
    const taps = tapLists.get(a.axis)!;
    if (!isIdentity(taps, a.inSize)) cur = resampleAxis(cur.data, cur.shape, a.axis, taps, p.extrapolationValue);
  }
  return [fromNumbers(x.dtype, cur.shape, cur.data)];
};
