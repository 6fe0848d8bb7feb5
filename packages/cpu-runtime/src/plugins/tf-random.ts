/**
 * TF random ops no fill mode covers, drawn from the same seeded generator as kiln's random
 * fills (reproducible when a seed is given):
 *   - kiln::TruncatedNormal v1: inputs [shape]; standard normal samples redrawn until they
 *     lie within two standard deviations. Fields: dtype, seed?.
 *   - kiln::Multinomial v1: inputs [logits [B, C], numSamples]; output [B, numSamples] of
 *     class indices drawn from softmax(logits) per row. Fields: outType, seed?.
 */
import { type DType, ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { seededUniform } from '../kernels/fill.js';
import { fromNumbers, ints, numbers } from '../kernels/util/values.js';
import { pluginError, pluginInput, scalarInt, stringField } from './plugin-fields.js';
import { checkPluginOutput } from './tf-output-limits.js';

function source(layer: Parameters<Kernel<'plugin'>>[0]): () => number {
  const seed = layer.params.fields.seed;
  return typeof seed === 'number' && seed !== 0 ? seededUniform(seed) : Math.random;
}

export const truncatedNormalPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const shape = ints(pluginInput(layer, inputs, 0, 'shape'));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw pluginError(layer, ErrorCode.INVALID_SHAPE, `shape [${shape.join(',')}] must hold non-negative integers`);
  }
  const dtype = stringField(layer, 'dtype', 'float32') as DType;
  checkPluginOutput(layer, dtype, shape, 'truncated normal output');
  const rand = source(layer);
  const count = shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let v: number;
    do {
      // Box–Muller; 1 − u keeps the logarithm's argument in (0, 1].
      v = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    } while (Math.abs(v) > 2);
    values[i] = v;
  }
  return [fromNumbers(dtype, shape, values)];
};

export const multinomialPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const logits = pluginInput(layer, inputs, 0, 'logits');
  const samples = scalarInt(layer, pluginInput(layer, inputs, 1, 'num_samples'), 'num_samples');
  if (logits.rank !== 2) throw pluginError(layer, ErrorCode.INVALID_SHAPE, `logits must be [batch, classes], got rank ${logits.rank}`);
  if (samples < 0) throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `num_samples must be non-negative, got ${samples}`);
  const [batch, classes] = logits.shape as [number, number];
  if (classes === 0 && samples > 0) throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, 'logits has no classes to draw from');
  const outType = stringField(layer, 'outType', 'int64') as DType;
  checkPluginOutput(layer, outType, [batch, samples], 'multinomial samples');
  const rand = source(layer);
  const l = numbers(logits);
  const out = new Float64Array(batch * samples);
  const cdf = new Float64Array(classes);
  for (let b = 0; b < batch; b++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < classes; k++) max = Math.max(max, l[b * classes + k]!);
    let total = 0;
    for (let k = 0; k < classes; k++) {
      const v = l[b * classes + k]!;
      // -inf logits have probability zero; a row of only -inf draws class 0 as TF does.
      total += Number.isFinite(max) ? Math.exp(v - max) : 0;
      cdf[k] = total;
    }
    for (let s = 0; s < samples; s++) {
      const u = rand() * total;
      let k = 0;
      while (k < classes - 1 && cdf[k]! <= u) k++;
      out[b * samples + s] = k;
    }
  }
  return [fromNumbers(outType, [batch, samples], out)];
};
