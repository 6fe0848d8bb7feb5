/**
 * kiln::Attention v1 — ONNX Attention (opsets 23/24): scaled dot-product attention with grouped
 * KV heads, KV cache, boolean or additive masks (padded with -inf when shorter than the keys),
 * causal masking aligned to the bottom right, per-batch valid KV lengths, and softcap.
 *
 * inputs [Q, K, V, attnMask?, pastKey?, pastValue?, nonpadKvSeqlen?]; outputs [Y, presentKey,
 * presentValue, qkOutput]. Fields: isCausal, qNumHeads / kvNumHeads (3-D inputs), scale (null =
 * 1/√head), softcap (0 = off), qkMatmulOutputMode (0/1: QK after softcap, 2: plus mask, 3:
 * softmax). Everything is computed in float64.
 */
import { ErrorCode, type Layer, type Tensor } from '@kiln-inference/core';
import type { Kernel } from '../kernel.js';
import { fromNumbers, ints, numbers } from '../kernels/util/values.js';
import { boolField, numberField, pluginError, pluginInput } from './plugin-fields.js';

/** A [batch, heads, seq, head] view of a 4-D tensor or a 3-D [batch, seq, heads·head] one. */
interface HeadView {
  values: Float64Array;
  batch: number;
  heads: number;
  seq: number;
  head: number;
  at(b: number, h: number, s: number): number;
}

function headView(layer: Layer<'plugin'>, t: Tensor, heads3d: number, what: string): HeadView {
  const values = numbers(t);
  if (t.rank === 4) {
    const [batch, heads, seq, head] = t.shape as [number, number, number, number];
    return { values, batch, heads, seq, head, at: (b, h, s) => ((b * heads + h) * seq + s) * head };
  }
  if (t.rank !== 3 || !(heads3d > 0) || t.shape[2]! % heads3d !== 0) {
    throw pluginError(
      layer,
      ErrorCode.INVALID_SHAPE,
      `${what} [${t.shape.join(',')}] must be 4-D, or 3-D with a head count dividing its last dim`,
    );
  }
  const [batch, seq] = [t.shape[0]!, t.shape[1]!];
  const head = t.shape[2]! / heads3d;
  return { values, batch, heads: heads3d, seq, head, at: (b, h, s) => ((b * seq + s) * heads3d + h) * head };
}

/** past ++ current along the sequence, as a 4-D [batch, heads, seq, head] array. */
function concatCache(past: Tensor | undefined, cur: HeadView): { values: Float64Array; seq: number } {
  const pastSeq = past ? past.shape[2]! : 0;
  const pv = past ? numbers(past) : new Float64Array(0);
  const seq = pastSeq + cur.seq;
  const out = new Float64Array(cur.batch * cur.heads * seq * cur.head);
  for (let b = 0; b < cur.batch; b++)
    for (let h = 0; h < cur.heads; h++) {
      const dst = (b * cur.heads + h) * seq * cur.head;
      out.set(pv.subarray((b * cur.heads + h) * pastSeq * cur.head, (b * cur.heads + h + 1) * pastSeq * cur.head), dst);
      for (let s = 0; s < cur.seq; s++)
        out.set(cur.values.subarray(cur.at(b, h, s), cur.at(b, h, s) + cur.head), dst + (pastSeq + s) * cur.head);
    }
  return { values: out, seq };
}

/** Additive mask value for (b, h, i, j): booleans map to 0 / -inf; keys past the mask's end are masked. */
function maskReader(mask: Tensor | undefined): (b: number, h: number, i: number, j: number) => number {
  if (!mask) return () => 0;
  const dims = [...new Array<number>(4 - mask.rank).fill(1), ...mask.shape];
  const strides = dims.map((_, a) => dims.slice(a + 1).reduce((x, y) => x * y, 1));
  const v = numbers(mask);
  const isBool = mask.dtype === 'bool';
  return (b, h, i, j) => {
    if (j >= dims[3]!) return -Infinity;
    const idx = (dims[0] === 1 ? 0 : b) * strides[0]! + (dims[1] === 1 ? 0 : h) * strides[1]! + (dims[2] === 1 ? 0 : i) * strides[2]! + j;
    const m = v[idx]!;
    return isBool ? (m !== 0 ? 0 : -Infinity) : m;
  };
}

export const attentionPlugin: Kernel<'plugin'> = (layer, inputs) => {
  const [qT, kT, vT] = [0, 1, 2].map((i) => pluginInput(layer, inputs, i, ['Q', 'K', 'V'][i]!));
  const [mask, pastKey, pastValue, nonpadT] = [inputs[3], inputs[4], inputs[5], inputs[6]];
  const q = headView(layer, qT!, numberField(layer, 'qNumHeads', 0), 'Q');
  const k = headView(layer, kT!, numberField(layer, 'kvNumHeads', 0), 'K');
  const v = headView(layer, vT!, numberField(layer, 'kvNumHeads', 0), 'V');
  if (q.head !== k.head || k.heads !== v.heads || q.heads % k.heads !== 0 || k.seq !== v.seq || q.batch !== k.batch) {
    throw pluginError(
      layer,
      ErrorCode.SHAPE_MISMATCH,
      `Q [${qT!.shape.join(',')}], K [${kT!.shape.join(',')}] and V [${vT!.shape.join(',')}] disagree`,
    );
  }
  const keys = concatCache(pastKey, k);
  const vals = concatCache(pastValue, v);
  const total = keys.seq;
  const pastSeq = pastKey ? pastKey.shape[2]! : 0;
  const nonpad = nonpadT ? ints(nonpadT) : undefined;
  const scaleField = layer.params.fields.scale;
  const scale = typeof scaleField === 'number' ? scaleField : 1 / Math.sqrt(q.head);
  const softcap = numberField(layer, 'softcap', 0);
  const mode = numberField(layer, 'qkMatmulOutputMode', 0);
  const causal = boolField(layer, 'isCausal', false);
  const maskAt = maskReader(mask);
  const group = q.heads / k.heads;
  const y = new Float64Array(q.batch * q.heads * q.seq * v.head);
  const qk = new Float64Array(q.batch * q.heads * q.seq * total);
  const scores = new Float64Array(total);
  for (let b = 0; b < q.batch; b++) {
    for (let h = 0; h < q.heads; h++) {
      const kh = Math.floor(h / group);
      for (let i = 0; i < q.seq; i++) {
        const qOff = q.at(b, h, i);
        const offset = nonpad && !pastKey ? nonpad[b]! - q.seq : pastSeq;
        let max = -Infinity;
        for (let j = 0; j < total; j++) {
          const kOff = ((b * k.heads + kh) * total + j) * k.head;
          let s = 0;
          for (let d = 0; d < q.head; d++) s += q.values[qOff + d]! * keys.values[kOff + d]!;
          s *= scale;
          if (softcap > 0) s = softcap * Math.tanh(s / softcap);
          let bias = maskAt(b, h, i, j);
          if (causal && j > i + offset) bias = -Infinity;
          if (nonpad && j >= nonpad[b]!) bias = -Infinity;
          const qkRow = ((b * q.heads + h) * q.seq + i) * total;
          qk[qkRow + j] = mode === 2 ? s + bias : s;
          scores[j] = s + bias;
          if (scores[j]! > max) max = scores[j]!;
        }
        // A fully masked row attends to nothing: its probabilities (and output) are 0, not NaN.
        let sum = 0;
        for (let j = 0; j < total; j++) {
          scores[j] = max === -Infinity ? 0 : Math.exp(scores[j]! - max);
          sum += scores[j]!;
        }
        if (sum === 0) sum = 1;
        const yOff = ((b * q.heads + h) * q.seq + i) * v.head;
        for (let j = 0; j < total; j++) {
          const p = scores[j]! / sum;
          if (mode === 3) qk[((b * q.heads + h) * q.seq + i) * total + j] = p;
          const vOff = ((b * v.heads + kh) * total + j) * v.head;
          for (let d = 0; d < v.head; d++) y[yOff + d]! += p * vals.values[vOff + d]!;
        }
      }
    }
  }
  const dtype = qT!.dtype;
  let yTensor = fromNumbers(dtype, [q.batch, q.heads, q.seq, v.head], y);
  if (qT!.rank === 3) {
    // Back to [batch, seq, heads·head].
    const t = new Float64Array(y.length);
    for (let b = 0; b < q.batch; b++)
      for (let h = 0; h < q.heads; h++)
        for (let i = 0; i < q.seq; i++)
          t.set(
            y.subarray(((b * q.heads + h) * q.seq + i) * v.head, ((b * q.heads + h) * q.seq + i + 1) * v.head),
            ((b * q.seq + i) * q.heads + h) * v.head,
          );
    yTensor = fromNumbers(dtype, [q.batch, q.seq, q.heads * v.head], t);
  }
  return [
    yTensor,
    fromNumbers(dtype, [k.batch, k.heads, total, k.head], keys.values),
    fromNumbers(dtype, [v.batch, v.heads, total, v.head], vals.values),
    fromNumbers(dtype, [q.batch, q.heads, q.seq, total], qk),
  ];
};
