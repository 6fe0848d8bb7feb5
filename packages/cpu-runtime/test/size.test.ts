import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { runLayer } from './layer-harness.js';

describe('size kernel', () => {
  it('outputs the element count as an int64 scalar', () => {
    const [y] = runLayer('size', {}, [Tensor.zeros('string', [2, 5])], 1, 'int64');
    expect(y!.shape).toEqual([]);
    expect(y!.toArray()).toEqual([10n]);
  });
});
