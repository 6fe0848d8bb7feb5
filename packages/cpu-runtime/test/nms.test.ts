import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { f32, i64, runLayer } from './layer-harness.js';

const boxes = Tensor.fromValues('float32', [1, 3, 4], [0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, 2, 1, 3]);
const scores = Tensor.fromValues('float32', [1, 1, 3], [0.9, 0.8, 0.7]);

describe('nms kernel', () => {
  it('keeps boxes greedily by score and suppresses overlaps above the IoU threshold', () => {
    const [y] = runLayer('nms', { centerPointBox: false }, [boxes, scores, i64([3]), f32([0.5])], 1, 'int64');
    expect(y!.shape).toEqual([2, 3]);
    expect(y!.toArray()).toEqual([0n, 0n, 0n, 0n, 0n, 2n]);
  });

  it('applies the score threshold and the per-class limit', () => {
    const [a] = runLayer('nms', { centerPointBox: false }, [boxes, scores, i64([3]), f32([0.5]), f32([0.75])], 1, 'int64');
    expect(a!.toArray()).toEqual([0n, 0n, 0n]);
    const [b] = runLayer('nms', { centerPointBox: false }, [boxes, scores, i64([1]), f32([1])], 1, 'int64');
    expect(b!.toArray()).toEqual([0n, 0n, 0n]);
  });

  it('reads centre-point boxes', () => {
    const centre = Tensor.fromValues('float32', [1, 2, 4], [0.5, 0.5, 1, 1, 0.5, 0.6, 1, 1]);
    const [y] = runLayer(
      'nms',
      { centerPointBox: true },
      [centre, Tensor.fromValues('float32', [1, 1, 2], [0.1, 0.2]), i64([5]), f32([0.5])],
      1,
      'int64',
    );
    expect(y!.toArray()).toEqual([0n, 0n, 1n]);
  });

  it('rejects malformed boxes', () => {
    expect(() => runLayer('nms', { centerPointBox: false }, [Tensor.zeros('float32', [1, 3, 5]), scores], 1, 'int64')).toThrow(
      /boxes must be/,
    );
  });
});
