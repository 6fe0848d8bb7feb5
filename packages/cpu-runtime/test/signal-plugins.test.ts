import { type PluginFieldValue, Tensor } from '@kiln-inference/core';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

const plugin = (
  name: string,
  fields: Record<string, PluginFieldValue>,
  inputs: (Tensor | undefined)[],
  dtype: Tensor['dtype'] = 'float32',
) => runLayer('plugin', { namespace: 'kiln', name, version: '1', fields }, inputs, 1, dtype)[0]!;
const i64 = (v: number) => Tensor.fromValues('int64', [], [v]);

describe('window plugins', () => {
  it('periodic and symmetric Hann, Hamming and Blackman windows', () => {
    const n = 5;
    const hann = plugin('HannWindow', { periodic: true, outputType: 'float32' }, [i64(n)]);
    expectTensorClose(hann, f32(Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n))), {
      rtol: 1e-6,
      atol: 1e-7,
    });
    const hamming = plugin('HammingWindow', { periodic: false, outputType: 'float64' }, [i64(n)], 'float64');
    expect(hamming.dtype).toBe('float64');
    expectTensorClose(
      hamming,
      Tensor.fromValues(
        'float64',
        [n],
        Array.from({ length: n }, (_, i) => 25 / 46 - (21 / 46) * Math.cos((2 * Math.PI * i) / (n - 1))),
      ),
      { rtol: 1e-12, atol: 1e-12 },
    );
    const blackman = plugin('BlackmanWindow', { periodic: true, outputType: 'float32' }, [i64(4)]);
    expectTensorClose(blackman, f32([0, 0.34, 1, 0.34]), { rtol: 1e-5, atol: 1e-6 });
  });

  it('rejects absurd sizes', () => {
    expect(() => plugin('HannWindow', { periodic: true, outputType: 'float32' }, [i64(-3)])).toThrow(/window size/);
  });
});

describe('DFT plugin', () => {
  it('a unit impulse transforms to all ones; onesided keeps n/2 + 1 bins', () => {
    const x = f32([1, 0, 0, 0], [1, 4, 1]);
    const full = plugin('DFT', { inverse: false, onesided: false, axis: 1 }, [x]);
    expectTensorClose(full, f32([1, 0, 1, 0, 1, 0, 1, 0], [1, 4, 2]), { rtol: 0, atol: 1e-12 });
    const half = plugin('DFT', { inverse: false, onesided: true, axis: 1 }, [x]);
    expect(half.shape).toEqual([1, 3, 2]);
  });

  it('inverse(forward(x)) = x, and the one-sided inverse rebuilds a real signal', () => {
    const x = randomTensor('float32', [2, 6, 1], 3);
    const spectrum = plugin('DFT', { inverse: false, onesided: false, axis: 1 }, [x]);
    const back = plugin('DFT', { inverse: true, onesided: false, axis: 1 }, [spectrum]);
    const re = back.toFloat64().filter((_, i) => i % 2 === 0);
    expectTensorClose(f32(Array.from(re), [2, 6, 1]), x, { rtol: 1e-5, atol: 1e-6 });
    const half = plugin('DFT', { inverse: false, onesided: true, axis: 1 }, [x]);
    const real = plugin('DFT', { inverse: true, onesided: true, axis: 1 }, [half]);
    expect(real.shape).toEqual([2, 6, 1]);
    expectTensorClose(real, x, { rtol: 1e-5, atol: 1e-6 });
  });

  it('dft_length zero-pads the signal; an axis input overrides the field', () => {
    const x = f32([1, 1], [1, 2, 1]);
    const y = plugin('DFT', { inverse: false, onesided: false, axis: 0 }, [x, i64(4), i64(1)]);
    // [1, 1, 0, 0] → [2, 1-i, 0, 1+i]
    expectTensorClose(y, f32([2, 0, 1, -1, 0, 0, 1, 1], [1, 4, 2]), { rtol: 0, atol: 1e-12 });
  });
});

describe('STFT plugin', () => {
  it('frames the signal, applies the window and keeps one-sided bins', () => {
    const signal = f32([1, 2, 3, 4, 5, 6], [1, 6, 1]);
    const window = f32([1, 0.5]);
    const y = plugin('STFT', { onesided: true }, [signal, i64(2), window]);
    // frames [1,2], [3,4], [5,6] windowed → [1,1], [3,2], [5,3]; bins: sum and difference.
    expect(y.shape).toEqual([1, 3, 2, 2]);
    expectTensorClose(y, f32([2, 0, 0, 0, 5, 0, 1, 0, 8, 0, 2, 0], [1, 3, 2, 2]), { rtol: 0, atol: 1e-12 });
  });
});

describe('MelWeightMatrix plugin', () => {
  it('builds [dft/2 + 1, bins] triangular filters peaking at 1', () => {
    const i32 = (v: number) => Tensor.fromValues('int32', [], [v]);
    const m = plugin('MelWeightMatrix', { outputType: 'float32' }, [i32(4), i32(32), i32(8000), f32([100], []), f32([3000], [])]);
    expect(m.shape).toEqual([17, 4]);
    const v = m.toFloat64();
    for (let b = 0; b < 4; b++) {
      const column = Array.from({ length: 17 }, (_, j) => v[j * 4 + b]!);
      expect(Math.max(...column)).toBe(1);
      expect(column.every((c) => c >= 0 && c <= 1)).toBe(true);
    }
  });
});
