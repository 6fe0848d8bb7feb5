/**
 * N-d max / average / Lp pooling (ONNX MaxPool, AveragePool, LpPool and the Global variants),
 * channels-first. Max pooling can also emit the flat input index of each maximum (ONNX MaxPool's
 * second output), row-major or, with storageOrder 1, column-major over the spatial dims.
 */
import { ErrorCode, formatShape, KilnError, type Layer, perDim, stridesOf, Tensor, windowGeometry } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { kernelTaps } from './convolution.js';
import { fromNumbers, numbers } from './util/values.js';

type PoolParams = Layer<'pooling'>['params'];

interface PoolPlan {
  spatial: number[];
  outSpatial: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
}

function planPooling(x: Tensor, p: PoolParams): PoolPlan {
  if (x.rank < 3) throw new KilnError(ErrorCode.INVALID_SHAPE, `pooling input ${formatShape(x.shape)} needs rank ≥ 3 (N, C, spatial…)`);
  const spatial = x.shape.slice(2);
  const rank = spatial.length;
  if (p.global) {
    const ones = new Array<number>(rank).fill(1);
    const zeros = new Array<number>(rank).fill(0);
    return { spatial, outSpatial: ones, kernel: spatial, strides: ones, dilations: ones, padsBegin: zeros, padsEnd: zeros };
  }
  const kernel = perDim(p.window, rank, 1, 'window');
  const strides = perDim(p.strides, rank, 1, 'strides');
  const dilations = perDim(p.dilations, rank, 1, 'dilations');
  const g = windowGeometry(spatial, {
    kernel,
    strides,
    dilations,
    padsBegin: perDim(p.padsBegin, rank, 0, 'padsBegin'),
    padsEnd: perDim(p.padsEnd, rank, 0, 'padsEnd'),
    paddingMode: p.paddingMode,
    ceilMode: p.ceilMode,
  });
  return { spatial, outSpatial: g.outSpatial, kernel, strides, dilations, padsBegin: g.padsBegin, padsEnd: g.padsEnd };
}

/** Flat spatial index with column-major order (storage_order = 1). */
function columnMajorIndex(coords: readonly number[], dims: readonly number[]): number {
  let idx = 0;
  for (let d = dims.length - 1; d >= 0; d--) idx = idx * dims[d]! + coords[d]!;
  return idx;
}

export const poolingKernel: Kernel<'pooling'> = (layer, inputs) => {
  const x = inputs[0];
  if (!x) throw new KilnError(ErrorCode.RUNTIME_ERROR, 'pooling needs an input');
  const p = layer.params;
  const plan = planPooling(x, p);
  const rank = plan.spatial.length;
  const [batch, channels] = [x.shape[0]!, x.shape[1]!];
  const inPlane = plan.spatial.reduce((a, b) => a * b, 1);
  const outPlane = plan.outSpatial.reduce((a, b) => a * b, 1);
  const inStrides = stridesOf(plan.spatial);
  const taps = kernelTaps(plan.kernel);
  const xs = numbers(x);
  const out = new Float64Array(batch * channels * outPlane);
  const wantIndices = p.type === 'max' && layer.outputs.length > 1 && layer.outputs[1] !== '';
  const indices = wantIndices ? new BigInt64Array(out.length) : undefined;
  const power = p.p ?? 2;
  const start = new Array<number>(rank);
  const coord = new Array<number>(rank);
  const outCoord = new Array<number>(rank).fill(0);
  for (let o = 0; o < outPlane; o++) {
    for (let d = 0; d < rank; d++) start[d] = outCoord[d]! * plan.strides[d]! - plan.padsBegin[d]!;
    // Positions inside the input, and inside input + pads (the count_include_pad divisor).
    const offsets: number[] = [];
    const inside: number[][] = [];
    let paddedCount = 0;
    for (const tap of taps) {
      let valid = true;
      let inPadded = true;
      let off = 0;
      for (let d = 0; d < rank; d++) {
        const c = start[d]! + tap[d]! * plan.dilations[d]!;
        coord[d] = c;
        if (c < 0 || c >= plan.spatial[d]!) valid = false;
        if (c < -plan.padsBegin[d]! || c >= plan.spatial[d]! + plan.padsEnd[d]!) inPadded = false;
        off += c * inStrides[d]!;
      }
      if (inPadded) paddedCount++;
      if (valid) {
        offsets.push(off);
        if (indices) inside.push([...coord]);
      }
    }
    for (let nc = 0; nc < batch * channels; nc++) {
      const base = nc * inPlane;
      let acc: number;
      if (p.type === 'max') {
        acc = -Infinity;
        let best = -1;
        for (let i = 0; i < offsets.length; i++) {
          const v = xs[base + offsets[i]!]!;
          if (v > acc || best < 0) {
            acc = v;
            best = i;
          }
        }
        if (indices && best >= 0) {
          const spatialIndex = p.storageOrder === 1 ? columnMajorIndex(inside[best]!, plan.spatial) : offsets[best]!;
          indices[nc * outPlane + o] = BigInt(base + spatialIndex);
        }
      } else if (p.type === 'average') {
        acc = 0;
        for (const off of offsets) acc += xs[base + off]!;
        const divisor = p.countIncludePad ? paddedCount : offsets.length;
        acc = divisor > 0 ? acc / divisor : Number.NaN;
      } else {
        acc = 0;
        for (const off of offsets) acc += Math.abs(xs[base + off]!) ** power;
        acc = acc ** (1 / power);
      }
      out[nc * outPlane + o] = acc;
    }
    for (let d = rank - 1; d >= 0; d--) {
      if (++outCoord[d]! < plan.outSpatial[d]!) break;
      outCoord[d] = 0;
    }
  }
  const shape = [batch, channels, ...plan.outSpatial];
  const y = fromNumbers(x.dtype, shape, out);
  return indices ? [y, new Tensor('int64', shape, indices)] : [y];
};
