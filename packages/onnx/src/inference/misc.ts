/** Ops where only the dtype (and sometimes the rank) can be told without running them. */
import type { DType, Shape } from '@kiln-inference/core';
import { onnxDTypeToKiln } from '../dtypes.js';
import { type InferenceRule, type NodeView, tensor } from './context.js';

/** Losses reduce to a scalar unless reduction is 'none', where they keep the labels' shape. */
function lossShape(v: NodeView): Shape | null {
  return (v.attr('reduction', 'string') ?? 'mean') === 'none' ? v.shape(1) : [];
}

function castTo(v: NodeView): DType | null {
  const to = v.attr('to', 'int');
  return to === undefined ? null : onnxDTypeToKiln(to);
}

const dtypeOfInput =
  (i: number): InferenceRule =>
  (v) => [tensor(v.dtype(i), null)];
const fixedDtype =
  (dtype: DType): InferenceRule =>
  (v) => [tensor(dtype, v.shape(0))];

export const MISC_RULES: Record<string, InferenceRule> = {
  Einsum: dtypeOfInput(0),
  Det: dtypeOfInput(0),
  Compress: (v) => [tensor(v.dtype(0), v.attr('axis', 'int') === undefined ? [null] : null)],
  Unique: (v) => [tensor(v.dtype(0), null), tensor('int64', [null]), tensor('int64', [null]), tensor('int64', [null])],
  NonMaxSuppression: () => [tensor('int64', [null, 3])],
  RoiAlign: dtypeOfInput(0),
  MaxRoiPool: dtypeOfInput(0),
  MaxUnpool: dtypeOfInput(0),
  Col2Im: dtypeOfInput(0),
  DeformConv: dtypeOfInput(0),
  GridSample: dtypeOfInput(0),
  AffineGrid: dtypeOfInput(0),
  DFT: dtypeOfInput(0),
  STFT: dtypeOfInput(0),
  MelWeightMatrix: (v) => [tensor(v.attr('output_datatype', 'int') === 11 ? 'float64' : 'float32', null)],
  HannWindow: () => [tensor('float32', null)],
  HammingWindow: () => [tensor('float32', null)],
  BlackmanWindow: () => [tensor('float32', null)],
  // Stopword removal changes the last dim.
  StringNormalizer: (v) => [tensor('string', v.shape(0)?.map((d, i, all) => (i === all.length - 1 ? null : d)) ?? null)],
  RegexFullMatch: fixedDtype('bool'),
  StringConcat: () => [tensor('string', null)],
  StringSplit: () => [tensor('string', null), tensor('int64', null)],
  TfIdfVectorizer: () => [tensor('float32', null)],
  // Outputs: Y, present_key, present_value, qk_matmul_output.
  Attention: (v) => v.node.outputs.map((_, i) => tensor(v.dtype(i === 1 ? 1 : i === 2 ? 2 : 0), null)),
  SoftmaxCrossEntropyLoss: (v) => [tensor(v.dtype(0), lossShape(v)), tensor(v.dtype(0), v.shape(0))],
  NegativeLogLikelihoodLoss: (v) => [tensor(v.dtype(0), lossShape(v))],
  BitCast: (v) => [tensor(castTo(v), null)],
  CumProd: (v) => [tensor(v.dtype(0), v.shape(0))],
  RotaryEmbedding: (v) => [tensor(v.dtype(0), v.shape(0))],
  RMSNormalization: (v) => [tensor(v.dtype(0), v.shape(0))],
  CenterCropPad: dtypeOfInput(0),
  ImageDecoder: () => [tensor('uint8', null)],
};
