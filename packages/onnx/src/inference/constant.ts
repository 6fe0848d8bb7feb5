/** Constant nodes kept as nodes (constantsAsWeights: false): their value is known. */
import { Tensor } from '@kiln-inference/core';
import { type InferenceRule, type NodeView, tensor } from './context.js';
import { knownValueOf } from './known-values.js';

function constantTensor(v: NodeView): Tensor | undefined {
  const t = v.attr('value', 'tensor');
  if (t) return t;
  const f = v.attr('value_float', 'float');
  if (f !== undefined) return Tensor.fromValues('float32', [], [f]);
  const fs = v.attr('value_floats', 'floats');
  if (fs) return Tensor.fromValues('float32', [fs.length], fs);
  const i = v.attr('value_int', 'int');
  if (i !== undefined) return Tensor.fromValues('int64', [], [i]);
  const is = v.attr('value_ints', 'ints');
  if (is) return Tensor.fromValues('int64', [is.length], is);
  const s = v.attr('value_string', 'string');
  if (s !== undefined) return new Tensor('string', [], [s]);
  const ss = v.attr('value_strings', 'strings');
  return ss ? new Tensor('string', [ss.length], [...ss]) : undefined;
}

const constant: InferenceRule = (v) => {
  const t = constantTensor(v);
  if (!t) return [null];
  const info = tensor(t.dtype, t.shape);
  const value = knownValueOf(t);
  return [value ? { info, value } : info];
};

export const CONSTANT_RULES: Record<string, InferenceRule> = { Constant: constant };
