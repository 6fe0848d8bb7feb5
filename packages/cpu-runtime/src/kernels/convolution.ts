/**
 * N-d convolution (ONNX Conv semantics): x is N C spatial… (or N spatial… C), w is
 * [K, C/groups, kernel…], optional bias [K]. Per (batch, group) the input is lowered to a
 * transposed column matrix (one row of C·taps values per output position), and each output is
 * a dot product of a weight row with a column row: contiguous inner loops, 2 channels × 4
 * positions per pass so the partial sums stay in registers. Problems whose column matrix would
 * be huge fall back to direct accumulation one kernel tap at a time.
 *
 * The window geometry (output sizes, SAME/VALID padding) is core's `windowGeometry`, shared
 * with inference and the lowering.
 */
import {
  type ConvolutionParams,
  type Epilogue,
  ErrorCode,
  formatShape,
  KilnError,
  type Layer,
  perDim,
  stridesOf,
  type Tensor,
  type WindowGeometry,
  windowGeometry,
} from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { scalarActivation } from './recurrent.js';
import { broadcastIndexMaps } from './util/broadcast.js';
import { fromNumbers, gatherElements, numbers } from './util/values.js';

/** Valid output range [lo, hi) for one tap: positions o with 0 ≤ o*stride + offset < size. */
export function validRange(offset: number, stride: number, size: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil(-offset / stride));
  const hi = Math.min(outSize, Math.floor((size - 1 - offset) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/** Moves the channel axis of an N spatial… C tensor to position 1 (or back with `inverse`). */
export function moveChannels(t: Tensor, inverse: boolean): Tensor {
  const rank = t.rank;
  const middle = Array.from({ length: rank - 2 }, (_, i) => i + (inverse ? 2 : 1));
  const perm = inverse ? [0, ...middle, 1] : [0, rank - 1, ...middle];
  const outShape = perm.map((p) => t.shape[p]!);
  const inStrides = stridesOf(t.shape);
  const outStrides = stridesOf(outShape);
  return gatherElements(t, outShape, (i) => {
    let off = 0;
    let rem = i;
    for (let a = 0; a < rank; a++) {
      const q = Math.floor(rem / outStrides[a]!);
      rem -= q * outStrides[a]!;
      off += q * inStrides[perm[a]!]!;
    }
    return off;
  });
}

export interface ConvProblem {
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  inSpatial: number[];
  kernel: number[];
  geometry: WindowGeometry;
  strides: number[];
  dilations: number[];
}

/** Checks shapes and resolves the geometry of a channels-first convolution. */
export function convProblem(x: Tensor, w: Tensor, params: ConvolutionParams): ConvProblem {
  if (x.rank < 3) {
    throw new KilnError(ErrorCode.INVALID_SHAPE, `convolution input ${formatShape(x.shape)} needs rank ≥ 3 (N, C, spatial…)`);
  }
  const spatialRank = x.rank - 2;
  if (w.rank !== x.rank) {
    throw new KilnError(ErrorCode.SHAPE_MISMATCH, `weights ${formatShape(w.shape)} must have the input's rank ${x.rank}`);
  }
  const groups = params.groups || 1;
  const [batch, inChannels] = [x.shape[0]!, x.shape[1]!];
  const outChannels = w.shape[0]!;
  if (inChannels !== w.shape[1]! * groups || outChannels % groups !== 0) {
    throw new KilnError(
      ErrorCode.SHAPE_MISMATCH,
      `input ${formatShape(x.shape)}, weights ${formatShape(w.shape)} and groups ${groups} disagree: need C = W[1]*groups and K divisible by groups`,
    );
  }
  const kernel = w.shape.slice(2);
  const strides = perDim(params.strides, spatialRank, 1, 'strides');
  const dilations = perDim(params.dilations, spatialRank, 1, 'dilations');
  const inSpatial = x.shape.slice(2);
  const geometry = windowGeometry(inSpatial, {
    kernel,
    strides,
    dilations,
    padsBegin: perDim(params.padsBegin, spatialRank, 0, 'padsBegin'),
    padsEnd: perDim(params.padsEnd, spatialRank, 0, 'padsEnd'),
    paddingMode: params.paddingMode,
  });
  return { batch, inChannels, outChannels, groups, inSpatial, kernel, geometry, strides, dilations };
}

function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

/**
 * Calls `visit(outOffset, inOffset, count, inStep)` for every run of output positions along the
 * last spatial dim that one kernel tap maps inside the input: output o reads input
 * o*stride + tapOffset. Offsets are relative to the start of one channel plane.
 */
function tapRuns(
  p: ConvProblem,
  tap: readonly number[],
  outStrides: readonly number[],
  inStrides: readonly number[],
  visit: (outOffset: number, inOffset: number, count: number, inStep: number) => void,
): void {
  const rank = p.inSpatial.length;
  const lo = new Array<number>(rank);
  const hi = new Array<number>(rank);
  const offsets = new Array<number>(rank);
  for (let d = 0; d < rank; d++) {
    offsets[d] = tap[d]! * p.dilations[d]! - p.geometry.padsBegin[d]!;
    const r = validRange(offsets[d]!, p.strides[d]!, p.inSpatial[d]!, p.geometry.outSpatial[d]!);
    if (r[0] >= r[1]) return;
    lo[d] = r[0];
    hi[d] = r[1];
  }
  const last = rank - 1;
  const sLast = p.strides[last]!;
  const count = hi[last]! - lo[last]!;
  const idx = lo.slice(0, last);
  for (;;) {
    let o = lo[last]!;
    let i = lo[last]! * sLast + offsets[last]!;
    for (let d = 0; d < last; d++) {
      o += idx[d]! * outStrides[d]!;
      i += (idx[d]! * p.strides[d]! + offsets[d]!) * inStrides[d]!;
    }
    visit(o, i, count, sLast);
    let d = last - 1;
    for (; d >= 0; d--) {
      if (++idx[d]! < hi[d]!) break;
      idx[d] = lo[d]!;
    }
    if (d < 0) return;
  }
}

/** Enumerates every tap (kernel coordinate) of a window, first dim slowest. */
export function kernelTaps(kernel: readonly number[]): number[][] {
  const taps: number[][] = [];
  const count = product(kernel);
  for (let t = 0; t < count; t++) {
    const tap = new Array<number>(kernel.length);
    let r = t;
    for (let d = kernel.length - 1; d >= 0; d--) {
      tap[d] = r % kernel[d]!;
      r = Math.floor(r / kernel[d]!);
    }
    taps.push(tap);
  }
  return taps;
}

/** Past this many elements the column matrix is not built and taps accumulate directly. */
const MAX_COLUMN_ELEMENTS = 1 << 24;

interface ConvLayout {
  p: ConvProblem;
  taps: number[][];
  outStrides: number[];
  inStrides: number[];
  inPlane: number;
  outPlane: number;
  cPerGroup: number;
  kPerGroup: number;
}

/**
 * Transposed column matrix [outPlane, cPerGroup·taps] of one (batch, group): row p holds every
 * input value (channel-major, then tap) that output position p reads, 0 in the padding.
 */
function columnsTransposed(xs: Float64Array, inBase: number, l: ConvLayout): Float64Array {
  const { p, taps, outPlane, inPlane, cPerGroup } = l;
  const rCount = cPerGroup * taps.length;
  const cols = new Float64Array(outPlane * rCount);
  for (let c = 0; c < cPerGroup; c++) {
    const plane = inBase + c * inPlane;
    taps.forEach((tap, t) => {
      const r = c * taps.length + t;
      tapRuns(p, tap, l.outStrides, l.inStrides, (o, i, count, step) => {
        for (let j = 0; j < count; j++) cols[(o + j) * rCount + r] = xs[plane + i + j * step]!;
      });
    });
  }
  return cols;
}

/** Output channels per block, so a block of weight rows stays cached across positions. */
const K_BLOCK = 32;

/** Σ_r a[aRow + r] · b[bRow + r]. */
function dot(a: Float64Array, aRow: number, b: Float64Array, bRow: number, n: number): number {
  let acc = 0;
  for (let r = 0; r < n; r++) acc += a[aRow + r]! * b[bRow + r]!;
  return acc;
}

/**
 * out[k, p] += Σ_r w[k, r] · cols[p, r] for kCount output channels: dot products over the
 * contiguous reduction axis, 2 channels × 4 positions per pass so eight sums stay in registers.
 */
function multiplyAccumulate(
  out: Float64Array,
  outBase: number,
  ws: Float64Array,
  wBase: number,
  kCount: number,
  rCount: number,
  cols: Float64Array,
  n: number,
): void {
  for (let k0 = 0; k0 < kCount; k0 += K_BLOCK) {
    const k1 = Math.min(kCount, k0 + K_BLOCK);
    let p = 0;
    for (; p + 4 <= n; p += 4) {
      const c0 = p * rCount;
      const c1 = c0 + rCount;
      const c2 = c1 + rCount;
      const c3 = c2 + rCount;
      let k = k0;
      for (; k + 2 <= k1; k += 2) {
        const w0 = wBase + k * rCount;
        const w1 = w0 + rCount;
        let a00 = 0,
          a01 = 0,
          a02 = 0,
          a03 = 0,
          a10 = 0,
          a11 = 0,
          a12 = 0,
          a13 = 0;
        for (let r = 0; r < rCount; r++) {
          const x0 = ws[w0 + r]!;
          const x1 = ws[w1 + r]!;
          const y0 = cols[c0 + r]!;
          const y1 = cols[c1 + r]!;
          const y2 = cols[c2 + r]!;
          const y3 = cols[c3 + r]!;
          a00 += x0 * y0;
          a01 += x0 * y1;
          a02 += x0 * y2;
          a03 += x0 * y3;
          a10 += x1 * y0;
          a11 += x1 * y1;
          a12 += x1 * y2;
          a13 += x1 * y3;
        }
        const o0 = outBase + k * n + p;
        const o1 = o0 + n;
        out[o0]! += a00;
        out[o0 + 1]! += a01;
        out[o0 + 2]! += a02;
        out[o0 + 3]! += a03;
        out[o1]! += a10;
        out[o1 + 1]! += a11;
        out[o1 + 2]! += a12;
        out[o1 + 3]! += a13;
      }
      for (; k < k1; k++) {
        const o = outBase + k * n + p;
        for (let q = 0; q < 4; q++) out[o + q]! += dot(ws, wBase + k * rCount, cols, c0 + q * rCount, rCount);
      }
    }
    for (; p < n; p++) {
      for (let k = k0; k < k1; k++) out[outBase + k * n + p]! += dot(ws, wBase + k * rCount, cols, p * rCount, rCount);
    }
  }
}

/** Direct accumulation, one tap at a time, for problems whose column matrix would be too large. */
function accumulateDirect(
  out: Float64Array,
  outBase: number,
  xs: Float64Array,
  inBase: number,
  ws: Float64Array,
  k: number,
  l: ConvLayout,
): void {
  const { taps, inPlane, cPerGroup } = l;
  for (let c = 0; c < cPerGroup; c++) {
    const plane = inBase + c * inPlane;
    const wBase = (k * cPerGroup + c) * taps.length;
    taps.forEach((tap, t) => {
      const w = ws[wBase + t]!;
      if (w === 0) return;
      tapRuns(l.p, tap, l.outStrides, l.inStrides, (o, i, count, step) => {
        for (let j = 0; j < count; j++) out[outBase + o + j]! += w * xs[plane + i + j * step]!;
      });
    });
  }
}

/** Channels-first convolution in float64; returns the output values and shape. */
export function convolveChannelsFirst(
  x: Tensor,
  w: Tensor,
  bias: Tensor | undefined,
  params: ConvolutionParams,
): { values: Float64Array; shape: number[] } {
  const p = convProblem(x, w, params);
  const taps = kernelTaps(p.kernel);
  const l: ConvLayout = {
    p,
    taps,
    outStrides: stridesOf(p.geometry.outSpatial),
    inStrides: stridesOf(p.inSpatial),
    inPlane: product(p.inSpatial),
    outPlane: product(p.geometry.outSpatial),
    cPerGroup: p.inChannels / p.groups,
    kPerGroup: p.outChannels / p.groups,
  };
  if (bias && bias.size !== p.outChannels) {
    throw new KilnError(
      ErrorCode.SHAPE_MISMATCH,
      `bias has ${bias.size} elements but the convolution has ${p.outChannels} output channels`,
    );
  }
  const xs = numbers(x);
  const ws = numbers(w);
  const out = new Float64Array(p.batch * p.outChannels * l.outPlane);
  if (bias) {
    const bs = numbers(bias);
    for (let nk = 0; nk < p.batch * p.outChannels; nk++) out.fill(bs[nk % p.outChannels]!, nk * l.outPlane, (nk + 1) * l.outPlane);
  }
  const rCount = l.cPerGroup * taps.length;
  // A column matrix pays off when several output channels reuse it; depthwise groups (one
  // output channel each) and huge problems accumulate tap by tap instead.
  const useColumns = rCount * l.outPlane <= MAX_COLUMN_ELEMENTS && l.kPerGroup > 1;
  for (let n = 0; n < p.batch; n++) {
    for (let g = 0; g < p.groups; g++) {
      const inBase = (n * p.inChannels + g * l.cPerGroup) * l.inPlane;
      const outBase = (n * p.outChannels + g * l.kPerGroup) * l.outPlane;
      if (useColumns) {
        multiplyAccumulate(out, outBase, ws, g * l.kPerGroup * rCount, l.kPerGroup, rCount, columnsTransposed(xs, inBase, l), l.outPlane);
      } else {
        for (let k = 0; k < l.kPerGroup; k++) accumulateDirect(out, outBase + k * l.outPlane, xs, inBase, ws, g * l.kPerGroup + k, l);
      }
    }
  }
  return { values: out, shape: [p.batch, p.outChannels, ...p.geometry.outSpatial] };
}

/** Residual add and activation that fusion passes attach after the bias. */
export function applyEpilogue(
  values: Float64Array,
  shape: readonly number[],
  epilogue: Epilogue | undefined,
  inputs: (Tensor | undefined)[],
): void {
  if (!epilogue) return;
  if (epilogue.residualInput !== undefined) {
    const r = inputs[epilogue.residualInput];
    if (!r) throw new KilnError(ErrorCode.RUNTIME_ERROR, `epilogue residual input ${epilogue.residualInput} is missing`);
    const { maps, size } = broadcastIndexMaps([shape, r.shape]);
    if (size !== values.length) {
      throw new KilnError(
        ErrorCode.SHAPE_MISMATCH,
        `residual ${formatShape(r.shape)} does not broadcast to the output ${formatShape(shape)}`,
      );
    }
    const rs = numbers(r);
    const map = maps[1]!;
    for (let i = 0; i < values.length; i++) values[i]! += rs[map[i]!]!;
  }
  if (epilogue.activation) {
    const f = scalarActivation(epilogue.activation);
    for (let i = 0; i < values.length; i++) values[i] = f(values[i]!);
  }
}

export const convolutionKernel: Kernel<'convolution'> = (layer: Layer<'convolution'>, inputs) => {
  let [x, w, b] = inputs;
  if (!x || !w) throw new KilnError(ErrorCode.RUNTIME_ERROR, 'convolution needs an input and weights');
  const channelsLast = layer.params.layout === 'channels_last';
  // A residual arrives in the output's layout; the epilogue runs channels-first.
  const residual = layer.params.epilogue?.residualInput;
  const viewInputs =
    channelsLast && residual !== undefined ? inputs.map((t, i) => (t && i === residual ? moveChannels(t, false) : t)) : inputs;
  if (channelsLast) x = moveChannels(x, false);
  const { values, shape } = convolveChannelsFirst(x, w, b, layer.params);
  applyEpilogue(values, shape, layer.params.epilogue, viewInputs);
  const y = fromNumbers(x.dtype, shape, values);
  return [channelsLast ? moveChannels(y, true) : y];
};
