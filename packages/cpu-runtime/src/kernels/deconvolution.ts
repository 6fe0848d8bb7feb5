/**
 * N-d transposed convolution (ONNX ConvTranspose): x is N C spatial… (or N spatial… C), w is
 * [C, K/groups, kernel…]. Each input element scatters w-weighted copies into the output; the loop runs one
 * kernel tap at a time so the inner loop is a strided axpy.
 *
 * Output size per spatial dim: stride*(in-1) + outputPadding + (k-1)*dilation + 1 - padsBegin -
 * padsEnd. When an output shape is requested (or SAME padding), the pads are derived from it:
 * SAME_UPPER puts the odd pad at the end, every other mode at the beginning (ONNX spec).
 */
import { ErrorCode, formatShape, KilnError, type Layer, perDim, stridesOf, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { applyEpilogue, kernelTaps, moveChannels, validRange } from './convolution.js';
import { fromNumbers, numbers } from './util/values.js';

type DeconvParams = Layer<'deconvolution'>['params'];

interface DeconvPlan {
  inSpatial: number[];
  outSpatial: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
}

function planDeconvolution(x: Tensor, w: Tensor, p: DeconvParams): DeconvPlan {
  const rank = x.rank - 2;
  const inSpatial = x.shape.slice(2);
  const kernel = w.shape.slice(2);
  const strides = perDim(p.strides, rank, 1, 'strides');
  const dilations = perDim(p.dilations, rank, 1, 'dilations');
  const outputPadding = perDim(p.outputPadding, rank, 0, 'outputPadding');
  const explicitBegin = perDim(p.padsBegin, rank, 0, 'padsBegin');
  const explicitEnd = perDim(p.padsEnd, rank, 0, 'padsEnd');
  // output_shape may list only the spatial dims or the whole shape (N, C, spatial…).
  const requested = p.outputShape && p.outputShape.length > 0 ? perDim(p.outputShape.slice(-rank), rank, 0, 'outputShape') : undefined;
  const outSpatial: number[] = [];
  const padsBegin: number[] = [];
  for (let d = 0; d < rank; d++) {
    const full = strides[d]! * (inSpatial[d]! - 1) + outputPadding[d]! + (kernel[d]! - 1) * dilations[d]! + 1;
    const same = p.paddingMode === 'same_upper' || p.paddingMode === 'same_lower';
    if (requested || same) {
      const target = requested ? requested[d]! : inSpatial[d]! * strides[d]!;
      const total = full - target;
      const half = Math.floor(total / 2);
      padsBegin.push(p.paddingMode === 'same_upper' ? half : total - half);
      outSpatial.push(target);
    } else {
      const pb = p.paddingMode === 'valid' ? 0 : explicitBegin[d]!;
      const pe = p.paddingMode === 'valid' ? 0 : explicitEnd[d]!;
      padsBegin.push(pb);
      outSpatial.push(full - pb - pe);
    }
    if (!(outSpatial[d]! > 0)) {
      throw new KilnError(ErrorCode.INVALID_SHAPE, `transposed convolution output dim ${d} would be ${outSpatial[d]}`, {
        hint: 'pads or output_shape are inconsistent with the input size',
      });
    }
  }
  return { inSpatial, outSpatial, kernel, strides, dilations, padsBegin };
}

/** out[n, k, i*stride + tapOffset] += weight * x[n, c, i] for every input position i that lands inside. */
function scatterTap(
  out: Float64Array,
  outBase: number,
  xs: Float64Array,
  inBase: number,
  weight: number,
  plan: DeconvPlan,
  tap: readonly number[],
  outStrides: readonly number[],
  inStrides: readonly number[],
): void {
  const rank = plan.inSpatial.length;
  const lo = new Array<number>(rank);
  const hi = new Array<number>(rank);
  const offsets = new Array<number>(rank);
  for (let d = 0; d < rank; d++) {
    offsets[d] = tap[d]! * plan.dilations[d]! - plan.padsBegin[d]!;
    // Input positions i with 0 ≤ i*stride + offset < out, i < in.
    const r = validRange(offsets[d]!, plan.strides[d]!, plan.outSpatial[d]!, plan.inSpatial[d]!);
    if (r[0] >= r[1]) return;
    lo[d] = r[0];
    hi[d] = r[1];
  }
  const last = rank - 1;
  const sLast = plan.strides[last]!;
  const count = hi[last]! - lo[last]!;
  const idx = lo.slice(0, last);
  for (;;) {
    let i = inBase + lo[last]!;
    let o = outBase + lo[last]! * sLast + offsets[last]!;
    for (let d = 0; d < last; d++) {
      i += idx[d]! * inStrides[d]!;
      o += (idx[d]! * plan.strides[d]! + offsets[d]!) * outStrides[d]!;
    }
    for (let j = 0; j < count; j++) out[o + j * sLast]! += weight * xs[i + j]!;
    let d = last - 1;
    for (; d >= 0; d--) {
      if (++idx[d]! < hi[d]!) break;
      idx[d] = lo[d]!;
    }
    if (d < 0) return;
  }
}

export const deconvolutionKernel: Kernel<'deconvolution'> = (layer, inputs) => {
  const [input, w, b] = inputs;
  if (!input || !w) throw new KilnError(ErrorCode.RUNTIME_ERROR, 'transposed convolution needs an input and weights');
  const channelsLast = layer.params.layout === 'channels_last';
  const x = channelsLast ? moveChannels(input, false) : input;
  const groups = layer.params.groups || 1;
  if (x.rank < 3 || w.rank !== x.rank || x.shape[1] !== w.shape[0] || w.shape[0]! % groups !== 0) {
    throw new KilnError(
      ErrorCode.SHAPE_MISMATCH,
      `input ${formatShape(x.shape)} and weights ${formatShape(w.shape)} disagree (w is [C, K/groups, kernel…], groups ${groups})`,
    );
  }
  const plan = planDeconvolution(x, w, layer.params);
  const [batch, inChannels] = [x.shape[0]!, x.shape[1]!];
  const kPerGroup = w.shape[1]!;
  const outChannels = kPerGroup * groups;
  const cPerGroup = inChannels / groups;
  const inPlane = plan.inSpatial.reduce((a, v) => a * v, 1);
  const outPlane = plan.outSpatial.reduce((a, v) => a * v, 1);
  const taps = kernelTaps(plan.kernel);
  const xs = numbers(x);
  const ws = numbers(w);
  const out = new Float64Array(batch * outChannels * outPlane);
  if (b && b.size !== outChannels) throw new KilnError(ErrorCode.SHAPE_MISMATCH, `bias has ${b.size} elements, expected ${outChannels}`);
  const bs = b ? numbers(b) : undefined;
  const inStrides = stridesOf(plan.inSpatial);
  const outStrides = stridesOf(plan.outSpatial);
  for (let n = 0; n < batch; n++) {
    for (let k = 0; k < outChannels; k++) {
      const outBase = (n * outChannels + k) * outPlane;
      if (bs) out.fill(bs[k]!, outBase, outBase + outPlane);
      const g = Math.floor(k / kPerGroup);
      for (let c = 0; c < cPerGroup; c++) {
        const ch = g * cPerGroup + c;
        const inBase = (n * inChannels + ch) * inPlane;
        const wBase = (ch * kPerGroup + (k - g * kPerGroup)) * taps.length;
        for (let t = 0; t < taps.length; t++) {
          const weight = ws[wBase + t]!;
          if (weight !== 0) scatterTap(out, outBase, xs, inBase, weight, plan, taps[t]!, outStrides, inStrides);
        }
      }
    }
  }
  const shape = [batch, outChannels, ...plan.outSpatial];
  // A residual arrives in the output's layout; the epilogue runs channels-first.
  const residual = layer.params.epilogue?.residualInput;
  const viewInputs =
    channelsLast && residual !== undefined ? inputs.map((t, i) => (t && i === residual ? moveChannels(t, false) : t)) : inputs;
  applyEpilogue(out, shape, layer.params.epilogue, viewInputs);
  const y = fromNumbers(x.dtype, shape, out);
  return [channelsLast ? moveChannels(y, true) : y];
};
