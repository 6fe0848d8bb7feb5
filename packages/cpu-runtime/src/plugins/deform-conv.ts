/**
 * kiln::DeformConv v1 — ONNX DeformConv, any number of spatial dims. inputs [x [N,C,D1…Dn],
 * w [oC, C/group, k1…kn], offset [N, offsetGroup·K·n, o1…on], b? [oC], mask? [N, offsetGroup·K,
 * o1…on]] where K = k1·…·kn; fields strides, padsBegin, padsEnd, dilations, group, offsetGroup.
 * Each kernel tap samples x at its regular position plus a learned offset (one value per spatial
 * axis) with multilinear interpolation, zero outside the input, scaled by the mask, before the
 * usual grouped convolution sum.
 */
import { ErrorCode, type Layer, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, numbers } from '../kernels/util/values.js';
import { numberField, numbersField, pluginError, pluginInput } from './plugin-fields.js';

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Row-major coordinates of every flat index of `dims`. */
function coordinates(dims: readonly number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < product(dims); i++) {
    const c = new Array<number>(dims.length);
    let rem = i;
    for (let a = dims.length - 1; a >= 0; a--) {
      c[a] = rem % dims[a]!;
      rem = Math.floor(rem / dims[a]!);
    }
    out.push(c);
  }
  return out;
}

/**
 * Multilinear sample of the plane starting at `base` (row-major `dims`) at real position `pos`;
 * corners outside the plane count as zero, so points a pixel or more outside give 0.
 */
export function multilinearSample(x: Float64Array, base: number, dims: readonly number[], pos: readonly number[]): number {
  const n = dims.length;
  let total = 0;
  for (let corner = 0; corner < 1 << n; corner++) {
    let weight = 1;
    let index = 0;
    for (let a = 0; a < n && weight !== 0; a++) {
      const lo = Math.floor(pos[a]!);
      const frac = pos[a]! - lo;
      const upper = (corner >> a) & 1;
      const c = lo + upper;
      weight *= upper ? frac : 1 - frac;
      if (c < 0 || c >= dims[a]!) weight = 0;
      index = index * dims[a]! + c;
    }
    if (weight !== 0) total += weight * x[base + index]!;
  }
  return total;
}

interface Geometry {
  n: number;
  c: number;
  oc: number;
  group: number;
  offsetGroup: number;
  inDims: number[];
  kernel: number[];
  outDims: number[];
  strides: number[];
  pads: number[];
  dilations: number[];
}

function shapesError(layer: Layer<'plugin'>, x: Tensor, w: Tensor, offset: Tensor, detail: string) {
  return pluginError(
    layer,
    ErrorCode.SHAPE_MISMATCH,
    `shapes do not agree: x [${x.shape.join(',')}], w [${w.shape.join(',')}], offset [${offset.shape.join(',')}] (${detail})`,
    'offset needs offset_group·K·n channels at the convolution output size; C must divide by group and offset_group',
  );
}

function geometry(layer: Layer<'plugin'>, x: Tensor, w: Tensor, offset: Tensor): Geometry {
  const spatial = x.rank - 2;
  if (spatial < 1 || w.rank !== x.rank || offset.rank !== x.rank) throw shapesError(layer, x, w, offset, 'ranks differ or no spatial dims');
  const [n, c] = x.shape as [number, number];
  const [oc, cg] = w.shape as [number, number];
  const inDims = x.shape.slice(2);
  const kernel = w.shape.slice(2);
  const ones = new Array<number>(spatial).fill(1);
  const zeros = new Array<number>(spatial).fill(0);
  const strides = numbersField(layer, 'strides', ones);
  const pads = numbersField(layer, 'padsBegin', zeros);
  const padsEnd = numbersField(layer, 'padsEnd', zeros);
  const dilations = numbersField(layer, 'dilations', ones);
  if ([strides, pads, padsEnd, dilations].some((v) => v.length !== spatial) || strides.some((s) => s < 1) || dilations.some((d) => d < 1)) {
    throw pluginError(
      layer,
      ErrorCode.INVALID_ATTRIBUTE,
      `strides, pads and dilations need ${spatial} entries each (strides and dilations ≥ 1)`,
    );
  }
  const outDims = inDims.map((d, a) => Math.floor((d + pads[a]! + padsEnd[a]! - dilations[a]! * (kernel[a]! - 1) - 1) / strides[a]!) + 1);
  const group = numberField(layer, 'group', 1);
  const offsetGroup = numberField(layer, 'offsetGroup', 1);
  const taps = product(kernel);
  if (outDims.some((d) => d < 1) || offset.shape.slice(2).some((d, a) => d !== outDims[a])) {
    throw shapesError(layer, x, w, offset, `output size [${outDims.join(',')}]`);
  }
  if (group < 1 || offsetGroup < 1 || cg * group !== c || oc % group !== 0 || c % offsetGroup !== 0) {
    throw shapesError(layer, x, w, offset, `group ${group}, offset_group ${offsetGroup}`);
  }
  if (offset.shape[0] !== n || offset.shape[1] !== offsetGroup * taps * spatial) throw shapesError(layer, x, w, offset, 'offset channels');
  return { n, c, oc, group, offsetGroup, inDims, kernel, outDims, strides, pads, dilations };
}

/** The sampled (and masked) input columns [C, K, outputPoints] of batch entry `b`. */
function sampleColumns(g: Geometry, b: number, x: Float64Array, off: Float64Array, mask: Float64Array | undefined): Float64Array {
  const spatial = g.inDims.length;
  const outPoints = coordinates(g.outDims);
  const taps = coordinates(g.kernel);
  const plane = outPoints.length;
  const inPlane = product(g.inDims);
  const cols = new Float64Array(g.c * taps.length * plane);
  const channelsPerOffsetGroup = g.c / g.offsetGroup;
  const pos = new Array<number>(spatial);
  for (let ch = 0; ch < g.c; ch++) {
    const groupTap = (b * g.offsetGroup + Math.floor(ch / channelsPerOffsetGroup)) * taps.length;
    for (let t = 0; t < taps.length; t++) {
      const offBase = (groupTap + t) * spatial * plane;
      const maskBase = (groupTap + t) * plane;
      for (let p = 0; p < plane; p++) {
        for (let a = 0; a < spatial; a++) {
          const regular = outPoints[p]![a]! * g.strides[a]! - g.pads[a]! + taps[t]![a]! * g.dilations[a]!;
          pos[a] = regular + off[offBase + a * plane + p]!;
        }
        const m = mask ? mask[maskBase + p]! : 1;
        cols[(ch * taps.length + t) * plane + p] = m * multilinearSample(x, (b * g.c + ch) * inPlane, g.inDims, pos);
      }
    }
  }
  return cols;
}

export const deformConvPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x = pluginInput(layer, inputs, 0, 'X');
  const w = pluginInput(layer, inputs, 1, 'W');
  const offset = pluginInput(layer, inputs, 2, 'offset');
  const g = geometry(layer, x, w, offset);
  const taps = product(g.kernel);
  const plane = product(g.outDims);
  const bias = inputs[3] ? numbers(inputs[3]) : undefined;
  const mask = inputs[4] ? numbers(inputs[4]) : undefined;
  if (mask && mask.length !== g.n * g.offsetGroup * taps * plane) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `mask [${inputs[4]!.shape.join(',')}] does not match offset_group·K channels at [${g.outDims.join(',')}]`,
    );
  }
  if (bias && bias.length !== g.oc)
    throw pluginError(layer, ErrorCode.SHAPE_MISMATCH, `bias has ${bias.length} values for ${g.oc} output channels`);
  const xv = numbers(x);
  const wv = numbers(w);
  const off = numbers(offset);
  const out = new Float64Array(g.n * g.oc * plane);
  const cg = g.c / g.group;
  const ocg = g.oc / g.group;
  for (let b = 0; b < g.n; b++) {
    const cols = sampleColumns(g, b, xv, off, mask);
    for (let o = 0; o < g.oc; o++) {
      const c0 = Math.floor(o / ocg) * cg;
      const outBase = (b * g.oc + o) * plane;
      if (bias) out.fill(bias[o]!, outBase, outBase + plane);
      for (let ci = 0; ci < cg; ci++) {
        for (let t = 0; t < taps; t++) {
          const weight = wv[(o * cg + ci) * taps + t]!;
          if (weight === 0) continue;
          const colBase = ((c0 + ci) * taps + t) * plane;
          for (let p = 0; p < plane; p++) out[outBase + p] += weight * cols[colBase + p]!;
        }
      }
    }
  }
  return [fromNumbers(x.dtype, [g.n, g.oc, ...g.outDims], out)];
};
