import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { runLayer } from './layer-harness.js';

describe('identity kernel', () => {
  it('passes int64 values through exactly', () => {
    const x = Tensor.fromValues('int64', [2], [2n ** 62n, -5n]);
    const [y] = runLayer('identity', {}, [x], 1, 'int64');
    expect(y!.toArray()).toEqual([2n ** 62n, -5n]);
    expect(y!.shape).toEqual([2]);
  });
});
