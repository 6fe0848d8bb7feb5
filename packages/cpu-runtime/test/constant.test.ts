import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { runLayer } from './layer-harness.js';

describe('constant kernel', () => {
  it('outputs its value for numeric and string tensors', () => {
    const value = Tensor.fromValues('float16', [2], [1.5, -2]);
    const [out] = runLayer('constant', { value }, [], 1, 'float16');
    expectTensorClose(out!, value, { rtol: 0, atol: 0 });
    const s = Tensor.fromValues('string', [2], ['a', 'b']);
    expect(runLayer('constant', { value: s }, [], 1, 'string')[0]!.toArray()).toEqual(['a', 'b']);
  });
});
