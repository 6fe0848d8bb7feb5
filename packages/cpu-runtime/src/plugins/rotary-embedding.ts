/**
 * kiln::RotaryEmbedding v1 — ONNX RotaryEmbedding (opset 23). inputs [X, cosCache, sinCache,
 * positionIds?]; fields interleaved, numHeads (for 3-D X), rotaryDim (0 = head size). X is
 * [batch, heads, seq, head] or [batch, seq, heads·head]. The first rotaryDim values of each head
 * are rotated pairwise — (x1, x2) → (x1·cos − x2·sin, x1·sin + x2·cos) — pairing the two halves,
 * or neighbours when interleaved; the rest pass through.
 */
import { ErrorCode } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints, numbers } from '../kernels/util/values.js';
import { boolField, numberField, pluginError, pluginInput } from './plugin-fields.js';

export const rotaryEmbeddingPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const x = pluginInput(layer, inputs, 0, 'X');
  const cosT = pluginInput(layer, inputs, 1, 'cos_cache');
  const sinT = pluginInput(layer, inputs, 2, 'sin_cache');
  const positions = inputs[3] ? ints(inputs[3]) : undefined;
  const interleaved = boolField(layer, 'interleaved', false);
  let batch: number, seq: number, heads: number, headSize: number;
  if (x.rank === 4) [batch, heads, seq, headSize] = x.shape as [number, number, number, number];
  else if (x.rank === 3) {
    heads = numberField(layer, 'numHeads', 0);
    [batch, seq] = [x.shape[0]!, x.shape[1]!];
    if (!(heads > 0) || x.shape[2]! % heads !== 0)
      throw pluginError(layer, ErrorCode.INVALID_ATTRIBUTE, `num_heads ${heads} must divide the hidden size ${x.shape[2]}`);
    headSize = x.shape[2]! / heads;
  } else throw pluginError(layer, ErrorCode.INVALID_SHAPE, `X must be 3-D or 4-D, got [${x.shape.join(',')}]`);
  const rotaryDim = numberField(layer, 'rotaryDim', 0) || headSize;
  const half = rotaryDim / 2;
  if (!Number.isInteger(half) || rotaryDim > headSize)
    throw pluginError(layer, ErrorCode.INVALID_ATTRIBUTE, `rotary_embedding_dim ${rotaryDim} must be even and ≤ head size ${headSize}`);
  if (cosT.shape[cosT.rank - 1] !== half || sinT.shape[sinT.rank - 1] !== half) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `cos/sin caches end in ${cosT.shape[cosT.rank - 1]}, expected rotary_dim/2 = ${half}`,
    );
  }
  const maxPosition = cosT.shape[0]!;
  const cos = numbers(cosT);
  const sin = numbers(sinT);
  const xs = numbers(x);
  const out = Float64Array.from(xs);
  // Offset of element d of head h at (b, s), in either layout.
  const at =
    x.rank === 4
      ? (b: number, s: number, h: number) => ((b * heads + h) * seq + s) * headSize
      : (b: number, s: number, h: number) => ((b * seq + s) * heads + h) * headSize;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seq; s++) {
      let row: number;
      if (positions) {
        const p = positions[b * seq + s]!;
        if (!(p >= 0 && p < maxPosition))
          throw pluginError(layer, ErrorCode.INVALID_ARGUMENT, `position id ${p} is outside the cache (${maxPosition} rows)`);
        row = p * half;
      } else row = (b * seq + s) * half;
      for (let h = 0; h < heads; h++) {
        const base = at(b, s, h);
        for (let k = 0; k < half; k++) {
          const [i1, i2] = interleaved ? [base + 2 * k, base + 2 * k + 1] : [base + k, base + k + half];
          const [x1, x2] = [xs[i1]!, xs[i2]!];
          out[i1] = cos[row + k]! * x1 - sin[row + k]! * x2;
          out[i2] = sin[row + k]! * x1 + cos[row + k]! * x2;
        }
      }
    }
  }
  return [fromNumbers(x.dtype, x.shape, out)];
};
