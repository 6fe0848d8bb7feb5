import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

describe('lrn kernel', () => {
  it('normalizes each channel by the squares of its neighbours', () => {
    const x = f32([1, 2, 3, 4], [1, 4, 1, 1]);
    const [size, alpha, beta, bias] = [3, 0.5, 0.75, 2];
    const y = runLayer('lrn', { size, alpha, beta, bias }, [x])[0]!;
    const v = [1, 2, 3, 4];
    const expected = v.map((xi, c) => {
      let sq = 0;
      for (let k = Math.max(0, c - 1); k <= Math.min(3, c + 1); k++) sq += v[k]! ** 2;
      return xi / (bias + (alpha / size) * sq) ** beta;
    });
    expectTensorClose(y, f32(expected, [1, 4, 1, 1]), { rtol: 1e-6, atol: 0 });
  });

  it('an even size looks one channel further ahead than behind', () => {
    const x = f32([1, 2, 3], [1, 3, 1]);
    const y = runLayer('lrn', { size: 2, alpha: 2, beta: 1, bias: 0 }, [x])[0]!;
    // channel c sums c and c+1 (floor((2-1)/2) = 0 before, ceil = 1 after)
    expectTensorClose(y, f32([1 / (1 + 4), 2 / (4 + 9), 3 / 9], [1, 3, 1]), { rtol: 1e-6, atol: 0 });
  });

  it('rejects a size below 1', () => {
    expect(() => runLayer('lrn', { size: 0, alpha: 1, beta: 1, bias: 1 }, [f32([1], [1, 1])])).toThrow(/size 0/);
  });
});
