import { ErrorCode, Tensor } from '@kiln-inference/core';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { quantizeWeights } from '../src/index.js';

/** Channel index of each element for a tensor of `shape` quantized along `axis`. */
function channelOf(shape: readonly number[], axis: number): (i: number) => number {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return (i) => Math.floor(i / inner) % shape[axis]!;
}

describe('per-channel symmetric int8 weight quantization', () => {
  it('scales each output channel by max|w|/127 and stays within half a step of every weight', () => {
    const w = randomTensor('float32', [6, 3, 3, 3], 11, -2, 2);
    // Channels with very different ranges: per-channel scales keep the small ones precise.
    const data = w.data as Float32Array;
    for (let i = 0; i < 27; i++) data[i]! *= 0.001;
    const q = quantizeWeights(w, 0);
    expect(q.values.dtype).toBe('int8');
    expect(q.values.shape).toEqual([6, 3, 3, 3]);
    expect(q.scales.shape).toEqual([6]);
    expect(q.axis).toBe(0);
    const codes = q.values.data as Int8Array;
    const scales = q.scales.data as Float32Array;
    const channel = channelOf(w.shape, 0);
    for (let c = 0; c < 6; c++) {
      const slice = data.subarray(c * 27, (c + 1) * 27);
      expect(scales[c]).toBe(Math.fround(Math.max(...Array.from(slice, Math.abs)) / 127));
      expect(Math.max(...Array.from(codes.subarray(c * 27, (c + 1) * 27), Math.abs))).toBe(127);
    }
    for (let i = 0; i < data.length; i++) {
      const s = scales[channel(i)]!;
      expect(Math.abs(data[i]! - codes[i]! * s)).toBeLessThanOrEqual(s / 2 + 1e-7 * s * 127);
    }
    // The dequantized weights, as a tensor comparison: the bound above is atol for the small channel too.
    const dequantized = Tensor.fromValues(
      'float32',
      w.shape,
      Array.from(codes, (v, i) => v * scales[channel(i)]!),
    );
    expectTensorClose(dequantized.reshape([6, 27]), w.reshape([6, 27]), { rtol: 0, atol: (2 / 127) * 0.5 + 1e-6 });
  });

  it('rounds half to even like the quantize layer', () => {
    // max 127 → scale 1: the codes are the weights rounded half to even.
    const q = quantizeWeights(Tensor.fromValues('float32', [1, 6], [0.5, 1.5, 2.5, -0.5, -1.5, 127]), 0);
    expect(Array.from(q.values.data as Int8Array)).toEqual([0, 2, 2, 0, -2, 127]);
  });

  it('quantizes the last axis of a matmul weight, or the whole tensor with axis null', () => {
    const w = Tensor.fromValues('float32', [2, 3], [1, -20, 0.5, -4, 10, 0.25]);
    const perColumn = quantizeWeights(w, -1);
    expect(perColumn.axis).toBe(1);
    expect(Array.from(perColumn.scales.data as Float32Array)).toEqual([4, 20, 0.5].map((m) => Math.fround(m / 127)));
    expect(Array.from(perColumn.values.data as Int8Array)).toEqual([32, -127, 127, -127, 64, 64]);
    const perTensor = quantizeWeights(w, null);
    expect(perTensor.scales.shape).toEqual([]);
    expect(perTensor.scales.getNumber(0)).toBe(Math.fround(20 / 127));
  });

  it('gives an all-zero channel scale 1 and codes 0', () => {
    const q = quantizeWeights(Tensor.fromValues('float32', [2, 2], [0, 0, 1, -1]), 0);
    expect(Array.from(q.scales.data as Float32Array)).toEqual([1, Math.fround(1 / 127)]);
    expect(Array.from(q.values.data as Int8Array)).toEqual([0, 0, 127, -127]);
  });

  it('refuses non-float32 and non-finite weights, naming them', () => {
    expect(() => quantizeWeights(Tensor.fromValues('float16', [2], [1, 2]), 0, "weights 'w1'")).toThrow(
      expect.objectContaining({ code: ErrorCode.UNSUPPORTED_DTYPE, message: expect.stringMatching(/weights 'w1' are float16/) }),
    );
    expect(() => quantizeWeights(Tensor.fromValues('float32', [2], [1, Number.NaN]), 0)).toThrow(/hold NaN at element 1/);
  });
});
