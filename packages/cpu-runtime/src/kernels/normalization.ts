/**
 * Statistics-based normalization (layer kind 'normalization'): instance, layer, group, batch and
 * RMS norm. inputs [x, scale?, bias?]; outputs [y, mean?, invStdDev?].
 *
 * Every element belongs to one "statistics slot": the coordinates on the non-reduced axes (and,
 * for group norm, the channel's group). Mean and variance are computed per slot in float64
 * (two passes), whatever the stash type, which is at least as precise as any stash type.
 *
 * scale / bias: per channel (instance, batch, group — group also accepts one value per group, as
 * GroupNormalization-18 does); numpy-broadcast against x for layer and RMS norm.
 */
import { ErrorCode, formatShape, KilnError, type Layer, normalizeAxis, stridesOf, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { broadcastIndexMaps } from './util/broadcast.js';
import { fromNumbers, numbers } from './util/values.js';

type NormParams = Layer<'normalization'>['params'];

interface Slots {
  /** Slot index of every element. */
  slotOf: Int32Array;
  count: number;
  /** Shape of the statistics outputs: x's shape with reduced axes set to 1 (channels → groups). */
  statShape: number[];
}

/** The statistics axes; instance and group norm with no axes listed reduce every axis after the channel. */
function reductionAxes(x: Tensor, p: NormParams): number[] {
  if (p.axes.length > 0 || (p.kind !== 'instance' && p.kind !== 'group')) return p.axes.map((a) => normalizeAxis(a, x.rank));
  const channel = normalizeAxis(p.channelAxis, x.rank);
  return Array.from({ length: x.rank - channel - 1 }, (_, i) => channel + 1 + i);
}

function statisticsSlots(x: Tensor, p: NormParams): Slots {
  const rank = x.rank;
  const reduced = new Set(reductionAxes(x, p));
  const grouped = p.kind === 'group';
  const channelAxis = grouped ? normalizeAxis(p.channelAxis, rank) : -1;
  const channels = grouped ? x.shape[channelAxis]! : 1;
  if (grouped && (p.numGroups < 1 || channels % p.numGroups !== 0)) {
    throw new KilnError(ErrorCode.INVALID_ATTRIBUTE, `${channels} channels cannot be split into ${p.numGroups} groups`);
  }
  const perGroup = grouped ? channels / p.numGroups : 1;
  // Slot dims: kept axes keep their size, the grouped channel axis becomes numGroups.
  const slotDims = x.shape.map((d, a) => (a === channelAxis ? p.numGroups : reduced.has(a) ? 1 : d));
  const slotStrides = stridesOf(slotDims);
  const n = x.size;
  const slotOf = new Int32Array(n);
  const coord = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let a = 0; a < rank; a++) {
      if (a === channelAxis) s += Math.floor(coord[a]! / perGroup) * slotStrides[a]!;
      else if (!reduced.has(a)) s += coord[a]! * slotStrides[a]!;
    }
    slotOf[i] = s;
    for (let a = rank - 1; a >= 0; a--) {
      if (++coord[a]! < x.shape[a]!) break;
      coord[a] = 0;
    }
  }
  const count = slotDims.reduce((a, b) => a * b, 1);
  const statShape = slotDims;
  return { slotOf, count, statShape };
}

/** For each element, the index of its scale/bias value. */
function affineIndex(x: Tensor, t: Tensor, p: NormParams): (i: number) => number {
  if (p.kind === 'layer' || p.kind === 'rms') {
    const { maps, size } = broadcastIndexMaps([x.shape, t.shape]);
    if (size !== x.size) {
      throw new KilnError(
        ErrorCode.SHAPE_MISMATCH,
        `scale/bias ${formatShape(t.shape)} does not broadcast to the input ${formatShape(x.shape)}`,
      );
    }
    const map = maps[1]!;
    return (i) => map[i]!;
  }
  const axis = normalizeAxis(p.channelAxis, x.rank);
  const channels = x.shape[axis]!;
  const inner = stridesOf(x.shape)[axis]!;
  if (t.size === channels) return (i) => Math.floor(i / inner) % channels;
  if (p.kind === 'group' && t.size === p.numGroups) {
    const perGroup = channels / p.numGroups;
    return (i) => Math.floor((Math.floor(i / inner) % channels) / perGroup);
  }
  throw new KilnError(ErrorCode.SHAPE_MISMATCH, `scale/bias ${formatShape(t.shape)} should hold one value per channel (${channels})`);
}

export const normalizationKernel: Kernel<'normalization'> = (layer, inputs) => {
  const [x, scale, bias] = inputs;
  if (!x) throw new KilnError(ErrorCode.RUNTIME_ERROR, 'normalization needs an input');
  const p = layer.params;
  const { slotOf, count, statShape } = statisticsSlots(x, p);
  const xs = numbers(x);
  const n = xs.length;
  const sums = new Float64Array(count);
  const sizes = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    sums[slotOf[i]!]! += xs[i]!;
    sizes[slotOf[i]!]!++;
  }
  const mean = new Float64Array(count);
  if (p.kind !== 'rms') for (let s = 0; s < count; s++) mean[s] = sums[s]! / sizes[s]!;
  const squares = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    const dv = xs[i]! - mean[slotOf[i]!]!;
    squares[slotOf[i]!]! += dv * dv;
  }
  const invStd = new Float64Array(count);
  for (let s = 0; s < count; s++) invStd[s] = 1 / Math.sqrt(squares[s]! / sizes[s]! + p.epsilon);
  const scaleAt = scale ? affineIndex(x, scale, p) : undefined;
  const biasAt = bias ? affineIndex(x, bias, p) : undefined;
  const sv = scale ? numbers(scale) : undefined;
  const bv = bias ? numbers(bias) : undefined;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = slotOf[i]!;
    let v = (xs[i]! - mean[s]!) * invStd[s]!;
    if (sv) v *= sv[scaleAt!(i)]!;
    if (bv) v += bv[biasAt!(i)]!;
    y[i] = v;
  }
  const statType = p.stashType && p.stashType !== 'float64' && layer.outputs.length > 1 ? p.stashType : x.dtype;
  return [fromNumbers(x.dtype, x.shape, y), fromNumbers(statType, statShape, mean), fromNumbers(statType, statShape, invStd)];
};
