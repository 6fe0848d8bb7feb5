import { KilnError, type PluginFieldValue, type Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

const deformConv = (fields: Record<string, PluginFieldValue>, inputs: (Tensor | undefined)[]) =>
  runLayer('plugin', { namespace: 'kiln', name: 'DeformConv', version: '1', fields }, inputs)[0]!;
const base = { strides: [1, 1], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], group: 1, offsetGroup: 1 };

describe('DeformConv plugin', () => {
  const x = f32([1, 2, 3, 4], [1, 1, 2, 2]);
  const w = f32([1], [1, 1, 1, 1]);

  it('samples bilinearly at fractional offsets, zero beyond the image', () => {
    // 1×1 kernel, output 2×2: offsets (dy, dx) per output pixel.
    const dy = [0.5, 0, 0, -1.5];
    const dx = [0.5, 0.25, 0, 0];
    const y = deformConv(base, [x, w, f32([...dy, ...dx], [1, 2, 2, 2])]);
    // (0.5, 0.5) → mean of all four; (0, 1.25) → right half outside: 0.75·2; (1, 0) → 3; (-0.5, 1) → half of 2.
    expectTensorClose(y, f32([2.5, 1.5, 3, 1], [1, 1, 2, 2]), { rtol: 0, atol: 1e-6 });
  });

  it('applies mask and bias', () => {
    const offset = f32(new Array(8).fill(0), [1, 2, 2, 2]);
    const mask = f32([1, 0.5, 0, 2], [1, 1, 2, 2]);
    const y = deformConv(base, [x, w, offset, f32([10], [1]), mask]);
    expectTensorClose(y, f32([11, 11, 10, 18], [1, 1, 2, 2]), { rtol: 0, atol: 1e-6 });
  });

  it('handles 1-D and 3-D inputs', () => {
    const x1 = f32([1, 2, 3, 4], [1, 1, 4]);
    // Two taps, three output points: tap 0 shifts point 0 by +0.5, tap 1 shifts point 2 by -1.
    const offset1 = f32([0.5, 0, 0, 0, 0, -1], [1, 2, 3]);
    const y1 = deformConv({ group: 1, offsetGroup: 1 }, [x1, f32([1, 1], [1, 1, 2]), offset1]);
    expectTensorClose(y1, f32([3.5, 5, 6], [1, 1, 3]), { rtol: 0, atol: 1e-6 });
    const x3 = f32([0, 1, 2, 3, 4, 5, 6, 7], [1, 1, 2, 2, 2]);
    const y3 = deformConv({ group: 1, offsetGroup: 1 }, [
      x3,
      f32(new Array(8).fill(1), [1, 1, 2, 2, 2]),
      f32(new Array(24).fill(0), [1, 24, 1, 1, 1]),
    ]);
    expectTensorClose(y3, f32([28], [1, 1, 1, 1, 1]), { rtol: 0, atol: 1e-6 });
  });

  it('rejects an offset with the wrong channel count', () => {
    expect(() => deformConv(base, [x, w, f32(new Array(12).fill(0), [1, 3, 2, 2])])).toThrow(KilnError);
  });
});
