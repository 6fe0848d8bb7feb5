import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { i64, runLayer } from './layer-harness.js';

describe('tile kernel', () => {
  it('repeats every axis', () => {
    const x = Tensor.fromValues('string', [1, 2], ['a', 'b']);
    const [y] = runLayer('tile', {}, [x, i64([2, 2])], 1, 'string');
    expect(y!.shape).toEqual([2, 4]);
    expect(y!.toArray()).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('rejects a repeats length that differs from the rank, and absurd sizes', () => {
    expect(() => runLayer('tile', {}, [Tensor.zeros('float32', [2]), i64([2, 2])])).toThrow(/one repeat count per axis/);
    // Refused before the kernel allocates, from the output shape inferred for its inputs.
    expect(() => runLayer('tile', {}, [Tensor.zeros('float32', [2]), i64([2 ** 45])])).toThrow(
      /tile_layer.*over the limit maxTensorElements/,
    );
  });
});
