import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { runLayer } from './layer-harness.js';

describe('shape kernel', () => {
  const x = Tensor.zeros('float32', [2, 3, 4]);
  it('outputs int64 dims, sliced and clamped', () => {
    expect(runLayer('shape', {}, [x], 1, 'int64')[0]!.toArray()).toEqual([2n, 3n, 4n]);
    expect(runLayer('shape', { start: -2 }, [x], 1, 'int64')[0]!.toArray()).toEqual([3n, 4n]);
    expect(runLayer('shape', { start: -10, end: 10 }, [x], 1, 'int64')[0]!.toArray()).toEqual([2n, 3n, 4n]);
    expect(runLayer('shape', { start: 2, end: 1 }, [x], 1, 'int64')[0]!.shape).toEqual([0]);
  });
});
