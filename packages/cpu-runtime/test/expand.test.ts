import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { i64, runLayer } from './layer-harness.js';

describe('expand kernel', () => {
  it('broadcasts bidirectionally', () => {
    const x = Tensor.fromValues('int64', [3, 1], [1n, 2n, 3n]);
    const [y] = runLayer('expand', {}, [x, i64([2, 1, 2])], 1, 'int64');
    expect(y!.shape).toEqual([2, 3, 2]);
    expect(y!.toArray()).toEqual([1n, 1n, 2n, 2n, 3n, 3n, 1n, 1n, 2n, 2n, 3n, 3n]);
  });

  it('rejects shapes that do not broadcast', () => {
    expect(() => runLayer('expand', {}, [Tensor.zeros('float32', [3]), i64([4])])).toThrow(/broadcast/);
  });
});
