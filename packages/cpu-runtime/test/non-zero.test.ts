import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { runLayer } from './layer-harness.js';

describe('non_zero kernel', () => {
  it('lists coordinates row-major, treating float16 -0 as zero', () => {
    const x = Tensor.fromValues('float16', [2, 2], [0, -0, 3, 0.5]);
    const [y] = runLayer('non_zero', {}, [x], 1, 'int64');
    expect(y!.shape).toEqual([2, 2]);
    expect(y!.toArray()).toEqual([1n, 1n, 0n, 1n]);
  });

  it('handles strings, int64 and scalars', () => {
    expect(runLayer('non_zero', {}, [Tensor.fromValues('string', [3], ['', 'a', 'b'])], 1, 'int64')[0]!.toArray()).toEqual([1n, 2n]);
    expect(runLayer('non_zero', {}, [Tensor.fromValues('int64', [2], [0n, 2n ** 60n])], 1, 'int64')[0]!.toArray()).toEqual([1n]);
    expect(runLayer('non_zero', {}, [Tensor.scalar('float32', 2)], 1, 'int64')[0]!.shape).toEqual([1, 1]);
  });
});
