/**
 * grid_sample: ONNX GridSample for 1-3 spatial dims. inputs [x [N,C,S...], grid [N,O...,k]];
 * the grid's last axis lists normalised coordinates innermost-dim first (x, y, z). Sampling is
 * separable: each spatial dim contributes taps (index, weight), and padding decides what
 * out-of-range taps read.
 */
import { type Layer, stridesOf } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { checkedShape, layerError, requireInput } from './util/data-movement.js';
import { fromNumbers } from './util/values.js';

type Params = Layer<'grid_sample'>['params'];

const CUBIC_A = -0.75;

function cubicWeight(d: number): number {
  const x = Math.abs(d);
  if (x <= 1) return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
  if (x < 2) return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
  return 0;
}

/** Reflects x into [lo, hi] as many times as needed. */
function reflect(x: number, lo: number, hi: number): number {
  const range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo) {
    const dx = lo - x;
    const n = Math.floor(dx / range);
    const r = dx - n * range;
    return n % 2 === 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const dx = x - hi;
    const n = Math.floor(dx / range);
    const r = dx - n * range;
    return n % 2 === 0 ? hi - r : lo + r;
  }
  return x;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Taps (index, weight) of one spatial dim of size `size` at normalised coordinate g. */
function taps(p: Params, g: number, size: number): { idx: number[]; w: number[] } {
  let c = p.alignCorners ? ((g + 1) / 2) * (size - 1) : ((g + 1) * size - 1) / 2;
  const lo = p.alignCorners ? 0 : -0.5;
  const hi = p.alignCorners ? size - 1 : size - 0.5;
  if (p.paddingMode === 'border') c = Math.min(Math.max(c, 0), size - 1);
  else if (p.paddingMode === 'reflection') c = reflect(c, lo, hi);
  if (p.mode === 'nearest') return { idx: [roundHalfEven(c)], w: [1] };
  const f = Math.floor(c);
  const t = c - f;
  if (p.mode === 'linear') return { idx: [f, f + 1], w: [1 - t, t] };
  return { idx: [f - 1, f, f + 1, f + 2], w: [cubicWeight(t + 1), cubicWeight(t), cubicWeight(1 - t), cubicWeight(2 - t)] };
}

/** Where an integer tap reads: a valid index, or -1 for zero padding. */
function tapIndex(p: Params, i: number, size: number): number {
  if (i >= 0 && i < size) return i;
  if (p.paddingMode === 'zeros') return -1;
  if (p.paddingMode === 'border') return Math.min(Math.max(i, 0), size - 1);
  const r = Math.trunc(reflect(i, p.alignCorners ? 0 : -0.5, p.alignCorners ? size - 1 : size - 0.5));
  return Math.min(Math.max(r, 0), size - 1);
}

export const gridSampleKernel: Kernel<'grid_sample'> = (layer, inputs) => {
  const x = requireInput(layer, inputs, 0, 'x');
  const grid = requireInput(layer, inputs, 1, 'grid');
  const k = x.rank - 2;
  if (k < 1 || k > 3) throw layerError(layer, `x must be [N, C, 1 to 3 spatial dims], got [${x.shape.join(',')}]`);
  if (grid.rank !== k + 2 || grid.shape[0] !== x.shape[0] || grid.shape[k + 1] !== k) {
    throw layerError(layer, `grid must be [${x.shape[0]}, ${k} output dims…, ${k}], got [${grid.shape.join(',')}]`);
  }
  const [N, C] = x.shape as [number, number];
  const spatial = x.shape.slice(2);
  const outSpatial = grid.shape.slice(1, k + 1);
  const outShape = checkedShape(layer, [N, C, ...outSpatial]);
  const points = outSpatial.reduce((a, b) => a * b, 1);
  const inPlane = spatial.reduce((a, b) => a * b, 1);
  const sStrides = stridesOf(spatial);
  const xs = x.toFloat64();
  const gs = grid.toFloat64();
  const out = new Float64Array(N * C * points);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < points; o++) {
      const g = (n * points + o) * k;
      // Tap lists per spatial dim; the grid stores the innermost dim's coordinate first.
      const dims = spatial.map((size, d) => {
        const t = taps(layer.params, gs[g + (k - 1 - d)]!, size);
        return { idx: t.idx.map((i) => tapIndex(layer.params, i, size)), w: t.w };
      });
      const offsets: number[] = [];
      const weights: number[] = [];
      const walk = (d: number, off: number, w: number): void => {
        if (d === k) {
          offsets.push(off);
          weights.push(w);
          return;
        }
        const t = dims[d]!;
        t.idx.forEach((i, j) => {
          walk(d + 1, i < 0 || off < 0 ? -1 : off + i * sStrides[d]!, w * t.w[j]!);
        });
      };
      walk(0, 0, 1);
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * inPlane;
        let acc = 0;
        offsets.forEach((off, j) => {
          if (off >= 0) acc += weights[j]! * xs[base + off]!;
        });
        out[(n * C + c) * points + o] = acc;
      }
    }
  }
  return [fromNumbers(x.dtype, outShape, out)];
};
