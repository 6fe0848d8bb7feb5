import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

describe('lp_normalization kernel', () => {
  it('L2 and L1 along the last axis; zero vectors stay zero', () => {
    const x = f32([3, 4, 0, 0], [2, 2]);
    expectTensorClose(runLayer('lp_normalization', { axis: -1, p: 2 }, [x])[0]!, f32([0.6, 0.8, 0, 0], [2, 2]), { rtol: 1e-6, atol: 0 });
    expectTensorClose(runLayer('lp_normalization', { axis: 1, p: 1 }, [x])[0]!, f32([3 / 7, 4 / 7, 0, 0], [2, 2]), { rtol: 1e-6, atol: 0 });
  });

  it('along a middle axis', () => {
    const x = f32([1, 2, 2, 4], [1, 2, 2]);
    expectTensorClose(
      runLayer('lp_normalization', { axis: 1, p: 2 }, [x])[0]!,
      f32([1 / Math.sqrt(5), 2 / Math.sqrt(20), 2 / Math.sqrt(5), 4 / Math.sqrt(20)], [1, 2, 2]),
      { rtol: 1e-6, atol: 0 },
    );
  });

  it('rejects p other than 1 or 2 and out-of-range axes', () => {
    expect(() => runLayer('lp_normalization', { axis: 0, p: 3 as 2 }, [f32([1])])).toThrow(/p must be 1 or 2/);
    expect(() => runLayer('lp_normalization', { axis: 4, p: 2 }, [f32([1])])).toThrow(/out of range/);
  });
});
