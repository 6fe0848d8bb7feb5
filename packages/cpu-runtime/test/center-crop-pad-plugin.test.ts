import type { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { i64, iota, runLayer } from './layer-harness.js';

const ccp = (x: Tensor, shape: number[], axes: number[] | null) =>
  runLayer('plugin', { namespace: 'kiln', name: 'CenterCropPad', version: '1', fields: { axes } }, [x, i64(shape)], 1, x.dtype);

describe('kiln::CenterCropPad plugin', () => {
  it('crops the centre window and pads evenly with the extra element at the end', () => {
    const [y] = ccp(iota('float32', [5]), [2], null);
    expect(y!.toArray()).toEqual([1, 2]);
    const [z] = ccp(iota('float32', [2]), [5], null);
    expect(z!.toArray()).toEqual([0, 0, 1, 0, 0]);
  });

  it('handles listed axes only', () => {
    const [y] = ccp(iota('int32', [2, 4]), [2], [1]);
    expect(y!.shape).toEqual([2, 2]);
    expect(y!.toArray()).toEqual([1, 2, 5, 6]);
  });

  it('names a missing plugin clearly', () => {
    expect(() => runLayer('plugin', { namespace: 'kiln', name: 'Nope', version: '1', fields: {} }, [iota('float32', [1])])).toThrow(
      /no plugin kiln::Nope/,
    );
  });
});
