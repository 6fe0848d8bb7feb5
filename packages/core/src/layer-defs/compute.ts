/**
 * LayerDefs of the heavy compute layers: convolution, transposed convolution, pooling,
 * matrix multiply and einsum. Output sizes follow ONNX (and the reference kernels) exactly;
 * symbolic spatial dims survive only where the window maps a dim onto itself.
 */
import { ErrorCode, KilnError } from '../errors.js';
import type { InferResult, LayerDef, ParamFields, ValueFacts } from '../layer-def.js';
import type { ConvolutionParams, PaddingMode } from '../layers.js';
import { type Dim, formatShape, type Shape } from '../shape.js';
import { broadcastDims, dimsCompatible, requireRank, unifyDims } from './dims.js';
import { requiredInput, requireSameDType } from './input-facts.js';
import { allOf, arrayOf, bool, int, number, objectOf, oneOf, opt, pads, positive, req, string } from './param-builders.js';
import { activationFields } from './pointwise.js';
import { perDim, windowOutputDim } from './window-geometry.js';

export const PADDING_MODES = allOf<PaddingMode>()('explicit', 'same_upper', 'same_lower', 'valid');

export const epilogue = objectOf({ residualInput: opt(int(0)), activation: opt(objectOf(activationFields)) });

const convolutionParams = {
  kernelShape: req(positive),
  strides: req(positive),
  padsBegin: req(pads),
  padsEnd: req(pads),
  dilations: req(positive),
  groups: req(int(1)),
  paddingMode: req(oneOf(...PADDING_MODES)),
  layout: opt(oneOf('channels_first', 'channels_last'), 'channels_first'),
  epilogue: opt(epilogue),
} satisfies ParamFields;

/** x viewed channels-first: [N, C, spatial…], whatever the layout. */
function channelsFirst(shape: Shape, channelsLast: boolean): Dim[] {
  return channelsLast ? [shape[0]!, shape.at(-1)!, ...shape.slice(1, -1)] : [...shape];
}

function layoutOut(shape: Dim[], channelsLast: boolean): Dim[] {
  return channelsLast ? [shape[0]!, ...shape.slice(2), shape[1]!] : shape;
}

/** Spatial kernel size per dim: the weights' dims when known, else kernelShape. */
function kernelDims(w: Shape, p: ConvolutionParams, rank: number): number[] | null {
  const fromWeights = w.slice(2);
  if (fromWeights.every((d) => typeof d === 'number')) return fromWeights as number[];
  return p.kernelShape.length === rank ? [...p.kernelShape] : null;
}

function convolutionLike(
  kind: 'convolution' | 'deconvolution',
  p: ConvolutionParams & { outputPadding?: number[]; outputShape?: number[] },
  inputs: readonly (ValueFacts | undefined)[],
): InferResult {
  const x = requiredInput(inputs, 0, 'x');
  const w = requiredInput(inputs, 1, 'w');
  requireSameDType(inputs, [0, 1], kind);
  const channelsLast = p.layout === 'channels_last';
  if (!x.shape) {
    const rank = w.shape?.length;
    return [{ dtype: x.dtype, shape: rank === undefined ? null : new Array<Dim>(rank).fill(null) }];
  }
  requireRank(x.shape, 3, `${kind} input`, { hint: 'the input is N, C, spatial… (or N, spatial…, C)' });
  const xs = channelsFirst(x.shape, channelsLast);
  const rank = xs.length - 2;
  const groups = p.groups || 1;
  let outChannels: Dim = null;
  let kernel: number[] | null = p.kernelShape.length === rank ? [...p.kernelShape] : null;
  if (w.shape) {
    if (w.shape.length !== xs.length) {
      throw new KilnError(ErrorCode.SHAPE_MISMATCH, `weights ${formatShape(w.shape)} must have the input's rank ${xs.length}`);
    }
    kernel = kernelDims(w.shape, p, rank);
    const [w0, w1] = [w.shape[0]!, w.shape[1]!];
    // convolution: w is [K, C/groups, k…]; deconvolution: w is [C, K/groups, k…].
    const inChannelsOk =
      kind === 'convolution'
        ? typeof w1 !== 'number' || dimsCompatible(xs[1]!, w1 * groups)
        : dimsCompatible(xs[1]!, w0) && (typeof w0 !== 'number' || w0 % groups === 0);
    const outOk = kind === 'convolution' ? typeof w0 !== 'number' || w0 % groups === 0 : true;
    if (!inChannelsOk || !outOk) {
      throw new KilnError(
        ErrorCode.SHAPE_MISMATCH,
        `input ${formatShape(x.shape)}, weights ${formatShape(w.shape)} and groups ${groups} disagree`,
        {
          hint:
            kind === 'convolution'
              ? 'convolution weights are [K, C/groups, kernel…] with K divisible by groups'
              : 'transposed convolution weights are [C, K/groups, kernel…] with C divisible by groups',
        },
      );
    }
    outChannels = kind === 'convolution' ? w0 : typeof w1 === 'number' ? w1 * groups : null;
  }
  const strides = perDim(p.strides, rank, 1, 'strides');
  const dilations = perDim(p.dilations, rank, 1, 'dilations');
  const padsBegin = perDim(p.padsBegin, rank, 0, 'padsBegin');
  const padsEnd = perDim(p.padsEnd, rank, 0, 'padsEnd');
  const spatial = xs.slice(2).map((size, d): Dim => {
    const k = kernel?.[d];
    if (k === undefined) return null;
    const spec = {
      kernel: k,
      stride: strides[d]!,
      dilation: dilations[d]!,
      padBegin: padsBegin[d]!,
      padEnd: padsEnd[d]!,
      paddingMode: p.paddingMode,
    };
    if (kind === 'convolution') return windowOutputDim(size, spec, { hint: `spatial dim ${d} is smaller than the kernel` });
    return transposedOutputDim(size, spec, perDim(p.outputPadding, rank, 0, 'outputPadding')[d]!, requestedDim(p.outputShape, rank, d), d);
  });
  const bias = inputs[2]?.shape;
  if (bias && outChannels !== null) {
    const count = bias.every((d) => typeof d === 'number') ? (bias as number[]).reduce((a, v) => a * v, 1) : null;
    if (count !== null && typeof outChannels === 'number' && count !== outChannels) {
      throw new KilnError(ErrorCode.SHAPE_MISMATCH, `bias ${formatShape(bias)} needs ${outChannels} elements, one per output channel`);
    }
  }
  return [{ dtype: x.dtype, shape: layoutOut([xs[0]!, outChannels, ...spatial], channelsLast) }];
}

/** ONNX ConvTranspose output_shape may list the spatial dims or the whole shape. */
function requestedDim(outputShape: readonly number[] | undefined, rank: number, d: number): number | undefined {
  if (!outputShape || outputShape.length === 0) return undefined;
  return perDim(outputShape.slice(-rank), rank, 0, 'outputShape')[d];
}

/** stride·(in−1) + outputPadding + dilation·(k−1) + 1 − pads, or the requested/SAME size. */
function transposedOutputDim(
  size: Dim,
  spec: { kernel: number; stride: number; dilation: number; padBegin: number; padEnd: number; paddingMode: PaddingMode },
  outputPadding: number,
  requested: number | undefined,
  d: number,
): Dim {
  const same = spec.paddingMode === 'same_upper' || spec.paddingMode === 'same_lower';
  let out: Dim;
  if (requested !== undefined) out = requested;
  else if (same) out = typeof size === 'number' ? size * spec.stride : spec.stride === 1 ? size : null;
  else {
    const pads = spec.paddingMode === 'valid' ? 0 : spec.padBegin + spec.padEnd;
    const growth = outputPadding + (spec.kernel - 1) * spec.dilation - pads;
    if (typeof size === 'number') out = spec.stride * (size - 1) + growth + 1;
    else out = spec.stride === 1 && growth === 0 ? size : null;
  }
  if (typeof out === 'number' && !(out > 0)) {
    throw new KilnError(ErrorCode.INVALID_SHAPE, `transposed convolution output dim ${d} would be ${out}`, {
      hint: 'pads or output_shape are inconsistent with the input size',
    });
  }
  return out;
}

/** numpy matmul: vectors are promoted (and the added dim dropped), batch dims broadcast. */
function matmulShape(a: Shape, b: Shape, transposeA: boolean, transposeB: boolean): Dim[] {
  if (a.length === 0 || b.length === 0) {
    throw new KilnError(ErrorCode.INVALID_SHAPE, 'matrix_multiply does not accept scalars', {
      hint: 'reshape scalars to [1] or use elementwise mul',
    });
  }
  const matrix = (s: Shape, transpose: boolean, left: boolean) => {
    const m: Shape = s.length === 1 ? (left ? [1, s[0]!] : [s[0]!, 1]) : s;
    const r = m.at(-2)!;
    const c = m.at(-1)!;
    return { batch: m.slice(0, -2), rows: transpose ? c : r, cols: transpose ? r : c };
  };
  const A = matrix(a, transposeA, true);
  const B = matrix(b, transposeB, false);
  if (!dimsCompatible(A.cols, B.rows)) {
    throw new KilnError(ErrorCode.SHAPE_MISMATCH, `matrix_multiply inner dims differ: ${formatShape(a)} × ${formatShape(b)}`, {
      hint: 'the last dim of A (after transposeA) must equal the second-to-last of B',
    });
  }
  const out = broadcastDims([A.batch, B.batch]);
  if (a.length !== 1) out.push(A.rows);
  if (b.length !== 1) out.push(B.cols);
  return out;
}

/** Output dims of an einsum equation over operands of known shapes. */
function einsumShape(equation: string, shapes: readonly Shape[]): Dim[] {
  const fail = (message: string) =>
    new KilnError(ErrorCode.INVALID_ATTRIBUTE, `einsum: ${message}`, { hint: "equations look like 'ij,jk->ik' or '...ii->...i'" });
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs, extra] = eq.split('->');
  if (extra !== undefined) throw fail(`'${equation}' has more than one '->'`);
  const terms = lhs!.split(',');
  if (terms.length !== shapes.length) throw fail(`equation names ${terms.length} operands but ${shapes.length} were given`);
  const explicitLabels = (term: string) => {
    const parts = term.split('...');
    if (parts.length > 2) throw fail(`'${term}' has more than one ellipsis`);
    const labels = parts.join('').split('');
    for (const c of labels) if (!/[a-zA-Z]/.test(c)) throw fail(`'${c}' is not a label letter`);
    return { before: parts[0]!.split(''), after: parts.length === 2 ? parts[1]!.split('') : undefined, count: labels.length };
  };
  const parsed = terms.map(explicitLabels);
  // Ellipsis dims are right-aligned across operands and broadcast like numpy.
  const ellipsisShapes: Shape[] = [];
  const sizes = new Map<string, Dim>();
  parsed.forEach((t, i) => {
    const shape = shapes[i]!;
    const ellipsis = t.after === undefined ? 0 : shape.length - t.count;
    if (t.after === undefined && t.count !== shape.length)
      throw fail(`term '${terms[i]}' has ${t.count} labels for a rank-${shape.length} operand`);
    if (ellipsis < 0) throw fail(`term '${terms[i]}' has more labels than its operand has dims`);
    const labels = [...t.before, ...new Array<string>(ellipsis).fill('.'), ...(t.after ?? [])];
    ellipsisShapes.push(shape.slice(t.before.length, t.before.length + ellipsis));
    labels.forEach((l, axis) => {
      if (l === '.') return;
      const d = shape[axis]!;
      if (!sizes.has(l)) sizes.set(l, d);
      else if (!dimsCompatible(sizes.get(l)!, d)) throw fail(`label '${l}' has sizes ${sizes.get(l)} and ${d}`);
      else sizes.set(l, unifyDims(sizes.get(l)!, d));
    });
  });
  const ellipsisDims = broadcastDims(ellipsisShapes);
  if (rhs === undefined) {
    // Implicit output: broadcast dims first, then labels seen exactly once, alphabetically.
    const counts = new Map<string, number>();
    for (const t of parsed) for (const l of [...t.before, ...(t.after ?? [])]) counts.set(l, (counts.get(l) ?? 0) + 1);
    const singles = [...counts].filter(([, c]) => c === 1).map(([l]) => l);
    singles.sort();
    return [...ellipsisDims, ...singles.map((l) => sizes.get(l)!)];
  }
  const out = explicitLabels(rhs);
  const dim = (l: string) => {
    if (!sizes.has(l)) throw fail(`output label '${l}' appears in no input`);
    return sizes.get(l)!;
  };
  return [...out.before.map(dim), ...(out.after === undefined ? [] : [...ellipsisDims, ...out.after.map(dim)])];
}

export const COMPUTE_DEFS: {
  readonly [K in 'convolution' | 'deconvolution' | 'pooling' | 'matrix_multiply' | 'einsum']: LayerDef<K>;
} = {
  convolution: {
    kind: 'convolution',
    summary: 'N-d convolution of x [N, C, spatial…] with w [K, C/groups, kernel…] plus bias and fused epilogue.',
    params: convolutionParams,
    inputs: [
      { name: 'x', role: 'data' },
      { name: 'w', role: 'weight' },
      { name: 'b', role: 'weight', optional: true },
      { name: 'residual', role: 'data', optional: true },
    ],
    outputs: [{ name: 'y' }],
    traits: { foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => convolutionLike('convolution', layer.params, inputs),
  },

  deconvolution: {
    kind: 'deconvolution',
    summary: 'N-d transposed convolution with w [C, K/groups, kernel…] (ONNX ConvTranspose).',
    params: { ...convolutionParams, outputPadding: req(arrayOf(int(0))), outputShape: opt(arrayOf(int(0))) },
    inputs: [
      { name: 'x', role: 'data' },
      { name: 'w', role: 'weight' },
      { name: 'b', role: 'weight', optional: true },
      { name: 'residual', role: 'data', optional: true },
    ],
    outputs: [{ name: 'y' }],
    traits: { foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => convolutionLike('deconvolution', layer.params, inputs),
  },

  pooling: {
    kind: 'pooling',
    summary: 'Max, average or Lp pooling over the spatial dims of x [N, C, spatial…], windowed or global.',
    params: {
      type: req(oneOf('max', 'average', 'lp')),
      global: req(bool),
      window: req(positive),
      strides: req(positive),
      padsBegin: req(pads),
      padsEnd: req(pads),
      dilations: req(positive),
      paddingMode: req(oneOf(...PADDING_MODES)),
      ceilMode: req(bool),
      countIncludePad: req(bool),
      p: opt(number, 2),
      storageOrder: opt(oneOf(0, 1), 0),
    },
    inputs: [{ name: 'x', role: 'data' }],
    outputs: [{ name: 'y' }, { name: 'indices', optional: true }],
    traits: { foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => {
      const x = requiredInput(inputs, 0, 'x');
      const p = layer.params;
      let shape: Dim[] | null = null;
      if (x.shape) {
        requireRank(x.shape, 3, 'pooling input', { hint: 'the input is N, C, spatial…' });
        const spatial = x.shape.slice(2);
        const rank = spatial.length;
        if (p.global) shape = [x.shape[0]!, x.shape[1]!, ...new Array<Dim>(rank).fill(1)];
        else {
          const window = perDim(p.window, rank, 1, 'window');
          const strides = perDim(p.strides, rank, 1, 'strides');
          const dilations = perDim(p.dilations, rank, 1, 'dilations');
          const padsBegin = perDim(p.padsBegin, rank, 0, 'padsBegin');
          const padsEnd = perDim(p.padsEnd, rank, 0, 'padsEnd');
          const out = spatial.map((size, d) =>
            windowOutputDim(
              size,
              {
                kernel: window[d]!,
                stride: strides[d]!,
                dilation: dilations[d]!,
                padBegin: padsBegin[d]!,
                padEnd: padsEnd[d]!,
                paddingMode: p.paddingMode,
                ceilMode: p.ceilMode,
              },
              { hint: `spatial dim ${d} is smaller than the pooling window` },
            ),
          );
          shape = [x.shape[0]!, x.shape[1]!, ...out];
        }
      }
      const result: ValueFacts[] = [{ dtype: x.dtype, shape }];
      if (layer.outputs.length > 1) result.push({ dtype: 'int64', shape });
      return result;
    },
  },

  matrix_multiply: {
    kind: 'matrix_multiply',
    summary: 'numpy matmul of a and b with broadcast batch dims, optional transposes and a fused epilogue.',
    params: { transposeA: req(bool), transposeB: req(bool), epilogue: opt(epilogue) },
    inputs: [
      { name: 'a', role: 'data' },
      { name: 'b', role: 'data' },
      { name: 'residual', role: 'data', optional: true },
    ],
    outputs: [{ name: 'y' }],
    traits: { foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => {
      const a = requiredInput(inputs, 0, 'a');
      const b = requiredInput(inputs, 1, 'b');
      requireSameDType(inputs, [0, 1], 'matrix_multiply');
      const shape = a.shape && b.shape ? matmulShape(a.shape, b.shape, layer.params.transposeA, layer.params.transposeB) : null;
      return [{ dtype: a.dtype, shape }];
    },
  },

  einsum: {
    kind: 'einsum',
    summary: "Einstein summation over its operands ('ij,jk->ik', '...ii->...i').",
    params: { equation: req(string) },
    inputs: [{ name: 'operands', role: 'data', variadic: true }],
    outputs: [{ name: 'y' }],
    traits: { foldable: true, deterministic: true },
    infer: ({ layer, inputs }) => {
      const first = requiredInput(inputs, 0, 'operand 0');
      const operands = layer.inputs.map((_, i) => requiredInput(inputs, i, `operand ${i}`));
      requireSameDType(
        inputs,
        operands.map((_, i) => i),
        'einsum',
      );
      const shapes = operands.map((o) => o.shape);
      const known = shapes.every((s): s is Shape => s !== null);
      return [{ dtype: first.dtype, shape: known ? einsumShape(layer.params.equation, shapes) : null }];
    },
  },
};
