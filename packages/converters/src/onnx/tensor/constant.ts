/**
 * ONNX Constant: a constant layer. The value comes from `value` (a tensor) or, from opset 12,
 * one of value_float(s) / value_int(s) / value_string(s). Sparse values are not supported.
 */
import { Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';
import { out } from './helpers.js';

function constantValue(ctx: ConversionContext): Tensor {
  const a = ctx.attrs;
  const tensor = a.tensor('value');
  if (tensor) return tensor;
  const f = a.float('value_float');
  if (a.has('value_float') && f !== undefined) return Tensor.scalar('float32', f);
  const fs = a.floats('value_floats');
  if (fs) return Tensor.fromValues('float32', [fs.length], fs);
  const i = a.int('value_int');
  if (i !== undefined) return Tensor.scalar('int64', i);
  const is = a.ints('value_ints');
  if (is) return Tensor.fromValues('int64', [is.length], is);
  const s = a.string('value_string');
  if (s !== undefined) return Tensor.scalar('string', s);
  const ss = a.strings('value_strings');
  if (ss) return Tensor.fromValues('string', [ss.length], ss);
  throw ctx.error('Constant has no value attribute', 'set one of value, value_float(s), value_int(s), value_string(s)');
}

const constant: Converter = {
  domain: 'ai.onnx',
  op: 'Constant',
  restrictions: 'sparse_value is not supported',
  validate: (ctx) =>
    ctx.attrs.has('sparse_value') ? unsupported('unsupported-attribute', 'sparse_value constants are not supported') : SUPPORTED,
  convert(ctx) {
    const value = constantValue(ctx);
    ctx.addLayer('constant', { value }, [], [out(ctx, 0, value.dtype, value.shape)]);
  },
};

export const constantConverters: readonly Converter[] = [constant];
