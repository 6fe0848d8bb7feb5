/** Ops that create tensors from attributes: random generators and EyeLike. */
import type { DType } from '@kiln-inference/core';
import { onnxDTypeToKiln } from '../dtypes.js';
import { type InferenceRule, type NodeView, tensor } from './context.js';

function dtypeAttr(v: NodeView, fallback: DType | null): DType | null {
  const code = v.attr('dtype', 'int');
  return code === undefined ? fallback : onnxDTypeToKiln(code);
}

const fromShapeAttr: InferenceRule = (v) => [tensor(dtypeAttr(v, 'float32'), v.ints('shape') ?? null)];
const likeInput: InferenceRule = (v) => [tensor(dtypeAttr(v, v.dtype(0)), v.shape(0))];

const multinomial: InferenceRule = (v) => {
  const x = v.shape(0);
  return [tensor(dtypeAttr(v, 'int32'), x ? [x[0] ?? null, v.int('sample_size', 1)] : null)];
};

export const GENERATOR_RULES: Record<string, InferenceRule> = {
  RandomNormal: fromShapeAttr,
  RandomUniform: fromShapeAttr,
  RandomNormalLike: likeInput,
  RandomUniformLike: likeInput,
  Bernoulli: likeInput,
  EyeLike: likeInput,
  Multinomial: multinomial,
};
