import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { i64, runLayer } from './layer-harness.js';

describe('one_hot kernel', () => {
  it('inserts the depth axis, wraps negative indices and leaves out-of-range rows off', () => {
    const values = Tensor.fromValues('float32', [2], [0, 5]);
    const [y] = runLayer('one_hot', { axis: -1 }, [i64([1, -1, 7]), Tensor.scalar('float32', 3), values]);
    expect(y!.shape).toEqual([3, 3]);
    expect(y!.toArray()).toEqual([0, 5, 0, 0, 0, 5, 0, 0, 0]);
    const [z] = runLayer('one_hot', { axis: 0 }, [i64([0, 2]), i64([3], [1]), values]);
    expect(z!.shape).toEqual([3, 2]);
    expect(z!.toArray()).toEqual([5, 0, 0, 0, 0, 5]);
  });

  it('rejects a values tensor that is not [off, on]', () => {
    expect(() => runLayer('one_hot', { axis: -1 }, [i64([0]), Tensor.scalar('float32', 2), Tensor.zeros('float32', [3])])).toThrow(
      /off, on/,
    );
  });
});
