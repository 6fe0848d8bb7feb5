/**
 * convolution → conv2d (1-D convolutions as 2-D with height 1) and matrix_multiply → gemm or
 * batched_matmul, with their epilogues: bias, residual and activation fuse when the shapes
 * allow, and otherwise follow as separate binary/activation ops on the output.
 */
import type { ActivationSpec, Layer } from '@kiln-inference/core';
import { broadcastShapes, perDim, windowGeometry } from '@kiln-inference/core';
import { type LowererTable, loweringError, product } from '../lowerer.js';
import type { ProgramAssembler } from '../program-assembler.js';

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Residual add and activation as separate ops on y (when they cannot fuse into the producer). */
function trailingEpilogue(asm: ProgramAssembler, y: number, residual: string | undefined, activation: ActivationSpec | undefined): void {
  if (residual) asm.emit({ op: 'binary', type: 'add', a: y, b: asm.ref(residual), y, ...(activation ? { activation } : {}) });
  else if (activation) asm.emit({ op: 'activation', x: y, y, activation });
}

export function lowerConvolution(layer: Layer<'convolution'>, asm: ProgramAssembler): void {
  const p = layer.params;
  const [xName, wName, bName] = layer.inputs as [string, string, string | undefined];
  const x = asm.shape(xName);
  const w = asm.shape(wName);
  const spatialRank = p.kernelShape.length || w.length - 2;
  if (x.length !== spatialRank + 2 || w.length !== spatialRank + 2 || spatialRank < 1 || spatialRank > 2) {
    throw loweringError(layer, `input [${x.join(',')}] and weights [${w.join(',')}] are not a 1-D or 2-D convolution`);
  }
  const kernel = w.slice(2);
  const g = windowGeometry(x.slice(2), {
    kernel,
    strides: perDim(p.strides, spatialRank, 1, 'strides'),
    dilations: perDim(p.dilations, spatialRank, 1, 'dilations'),
    padsBegin: perDim(p.padsBegin, spatialRank, 0, 'padsBegin'),
    padsEnd: perDim(p.padsEnd, spatialRank, 0, 'padsEnd'),
    paddingMode: p.paddingMode,
  });
  const out = [x[0]!, w[0]!, ...g.outSpatial];
  const yName = layer.outputs[0]!;
  asm.setShape(yName, out);
  // 1-D: view everything with a unit height.
  const as2d = (shape: readonly number[]) => (spatialRank === 1 ? [shape[0]!, shape[1]!, 1, shape[2]!] : [...shape]);
  const two = (v: readonly number[], fill: number) =>
    spatialRank === 1 ? ([fill, v[0]!] as [number, number]) : ([v[0]!, v[1]!] as [number, number]);
  const strides = two(perDim(p.strides, spatialRank, 1, 'strides'), 1);
  const dilations = two(perDim(p.dilations, spatialRank, 1, 'dilations'), 1);
  const pads: [number, number, number, number] =
    spatialRank === 1 ? [0, g.padsBegin[0]!, 0, g.padsEnd[0]!] : [g.padsBegin[0]!, g.padsBegin[1]!, g.padsEnd[0]!, g.padsEnd[1]!];
  const residualIndex = p.epilogue?.residualInput;
  const residual = residualIndex !== undefined ? layer.inputs[residualIndex] : undefined;
  const residualFuses = residual !== undefined && sameShape(asm.shape(residual), out);
  const y = asm.ref(yName, as2d(out));
  const activation = p.epilogue?.activation;
  const bias = bName ? asm.shape(bName) : undefined;
  if (bias && product(bias) !== out[1]) throw loweringError(layer, `bias [${bias.join(',')}] is not one value per output channel`);
  asm.emit({
    op: 'conv2d',
    x: asm.ref(xName, as2d(x)),
    w: asm.ref(wName, as2d(w)),
    ...(bName ? { b: asm.ref(bName, [out[1]!]) } : {}),
    ...(residual && residualFuses ? { residual: asm.ref(residual, as2d(out)) } : {}),
    y,
    strides,
    pads,
    dilations,
    groups: p.groups,
    ...(activation && (!residual || residualFuses) ? { activation } : {}),
  });
  if (residual && !residualFuses) trailingEpilogue(asm, asm.ref(yName), residual, activation);
}

/** numpy matmul shapes: 1-D operands promoted, batch dims broadcast. */
function matmulShapes(layer: Layer<'matrix_multiply'>, a: number[], b: number[]) {
  const { transposeA, transposeB } = layer.params;
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const m = transposeA ? a2.at(-1)! : a2.at(-2)!;
  const k = transposeA ? a2.at(-2)! : a2.at(-1)!;
  const kb = transposeB ? b2.at(-1)! : b2.at(-2)!;
  const n = transposeB ? b2.at(-2)! : b2.at(-1)!;
  if (k !== kb) throw loweringError(layer, `inner dims differ: [${a.join(',')}] · [${b.join(',')}]`);
  const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
  const out = [...batch];
  if (a.length !== 1) out.push(m);
  if (b.length !== 1) out.push(n);
  return { a2, b2, m, k, n, batch, out };
}

export function lowerMatrixMultiply(layer: Layer<'matrix_multiply'>, asm: ProgramAssembler): void {
  const [aName, bName] = layer.inputs as [string, string];
  const a = asm.shape(aName);
  const b = asm.shape(bName);
  const { transposeA, transposeB, epilogue } = layer.params;
  const s = matmulShapes(layer, a, b);
  const yName = layer.outputs[0]!;
  asm.setShape(yName, s.out);
  const residual = epilogue?.residualInput !== undefined ? layer.inputs[epilogue.residualInput] : undefined;
  const activation = epilogue?.activation;
  // One GEMM when b is a single matrix: a's batch dims fold into its rows (unless a is transposed).
  const bIsMatrix = s.b2.length === 2;
  const aFoldsToRows = s.a2.length === 2 || !transposeA;
  if (bIsMatrix && aFoldsToRows) {
    const rows = transposeA ? s.m : product(s.a2.slice(0, -1));
    const aView = transposeA ? [s.k, s.m] : [rows, s.k];
    const yView = [rows, s.n];
    const residualShape = residual ? asm.shape(residual) : undefined;
    // The GEMM bias broadcasts over [M, N] the numpy way: [N], [1, N], [M, 1] or [M, N].
    const biasView = residualShape ? gemmBiasView(residualShape, yView) : undefined;
    const y = asm.ref(yName, yView);
    asm.emit({
      op: 'gemm',
      a: asm.ref(aName, aView),
      b: asm.ref(bName, s.b2),
      ...(residual && biasView ? { bias: asm.ref(residual, biasView) } : {}),
      y,
      transA: transposeA,
      transB: transposeB,
      alpha: 1,
      beta: 1,
      ...(activation && (!residual || biasView) ? { activation } : {}),
    });
    if (residual && !biasView) trailingEpilogue(asm, asm.ref(yName), residual, activation);
    return;
  }
  if (transposeA || transposeB) {
    throw loweringError(layer, 'a batched matmul with transposed operands', 'transpose the operands before the matmul');
  }
  asm.emit({ op: 'batched_matmul', a: asm.ref(aName, s.a2), b: asm.ref(bName, s.b2), y: asm.ref(yName, [...s.batch, s.m, s.n]) });
  trailingEpilogue(asm, asm.ref(yName), residual, activation);
}

function gemmBiasView(bias: readonly number[], y: readonly number[]): number[] | undefined {
  const [m, n] = y as [number, number];
  const size = product(bias);
  // A scalar (or an ambiguous n = 1 / m = 1 case) stays a separate add, which broadcasts fully.
  if (size === 1) return undefined;
  if (bias.at(-1) === n && size === n) return [n];
  if (bias.length >= 2 && bias.at(-1) === 1 && bias.at(-2) === m && size === m) return [m, 1];
  if (bias.length >= 2 && size === m * n && bias.at(-1) === n && bias.at(-2) === m && bias.length === 2) return [m, n];
  return undefined;
}

/**
 * deconvolution (ONNX ConvTranspose, 2-D, channels-first) → deconv2d. The output size and the
 * top/left pads follow the reference kernel's rules (explicit pads, SAME modes, a requested
 * output shape); bottom/right pads and output padding are whatever y's size implies.
 */
export function lowerDeconvolution(layer: Layer<'deconvolution'>, asm: ProgramAssembler): void {
  const p = layer.params;
  const [xName, wName, bName] = layer.inputs as [string, string, string | undefined];
  const x = asm.shape(xName);
  const w = asm.shape(wName);
  if (x.length !== 4 || w.length !== 4) throw loweringError(layer, `input [${x.join(',')}] and weights [${w.join(',')}] are not 2-D`);
  const strides = perDim(p.strides, 2, 1, 'strides');
  const dilations = perDim(p.dilations, 2, 1, 'dilations');
  const outputPadding = perDim(p.outputPadding, 2, 0, 'outputPadding');
  const explicitBegin = perDim(p.padsBegin, 2, 0, 'padsBegin');
  const explicitEnd = perDim(p.padsEnd, 2, 0, 'padsEnd');
  const requested = p.outputShape && p.outputShape.length > 0 ? p.outputShape.slice(-2) : undefined;
  const same = p.paddingMode === 'same_upper' || p.paddingMode === 'same_lower';
  const begin: number[] = [];
  const end: number[] = [];
  const outSpatial: number[] = [];
  for (let d = 0; d < 2; d++) {
    const span = (w[2 + d]! - 1) * dilations[d]! + 1;
    const full = strides[d]! * (x[2 + d]! - 1) + outputPadding[d]! + span;
    let pb: number;
    let size: number;
    if (requested || same) {
      size = requested ? requested[d]! : x[2 + d]! * strides[d]!;
      const total = full - size;
      const half = Math.floor(total / 2);
      pb = p.paddingMode === 'same_upper' ? half : total - half;
    } else {
      pb = p.paddingMode === 'valid' ? 0 : explicitBegin[d]!;
      const pe = p.paddingMode === 'valid' ? 0 : explicitEnd[d]!;
      size = full - pb - pe;
    }
    if (pb < 0 || !(size > 0)) throw loweringError(layer, `output size ${size} with begin pad ${pb} on spatial dim ${d}`);
    // The pad at the end is what the natural size (no output padding) exceeds y by, never negative.
    const natural = strides[d]! * (x[2 + d]! - 1) + span - pb;
    begin.push(pb);
    end.push(Math.max(0, natural - size));
    outSpatial.push(size);
  }
  const out = [x[0]!, w[1]! * p.groups, ...outSpatial];
  const yName = layer.outputs[0]!;
  asm.setShape(yName, out);
  const residualIndex = p.epilogue?.residualInput;
  const residual = residualIndex !== undefined ? layer.inputs[residualIndex] : undefined;
  const activation = p.epilogue?.activation;
  const bias = bName ? asm.shape(bName) : undefined;
  if (bias && product(bias) !== out[1]) throw loweringError(layer, `bias [${bias.join(',')}] is not one value per output channel`);
  asm.emit({
    op: 'deconv2d',
    x: asm.ref(xName),
    w: asm.ref(wName),
    ...(bName ? { b: asm.ref(bName, [out[1]!]) } : {}),
    y: asm.ref(yName),
    strides: [strides[0]!, strides[1]!],
    pads: [begin[0]!, begin[1]!, end[0]!, end[1]!],
    dilations: [dilations[0]!, dilations[1]!],
    groups: p.groups,
    ...(activation && !residual ? { activation } : {}),
  });
  if (residual) trailingEpilogue(asm, asm.ref(yName), residual, activation);
}

/** This family's lowerers by layer kind (lowerers/index.ts merges the families). */
export const convolutionLowerers: LowererTable = {
  convolution: lowerConvolution,
  deconvolution: lowerDeconvolution,
  matrix_multiply: lowerMatrixMultiply,
};
