import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { runLayer } from './layer-harness.js';

const x = Tensor.fromValues('float32', [1, 1, 2, 2], [1, 2, 3, 4]);
const grid = (points: number[]) => Tensor.fromValues('float32', [1, 1, points.length / 2, 2], points);
const tol = { rtol: 1e-6, atol: 1e-6 };

describe('grid_sample kernel', () => {
  it('bilinear with align_corners hits corners and interpolates the centre', () => {
    const [y] = runLayer('grid_sample', { mode: 'linear', paddingMode: 'zeros', alignCorners: true }, [
      x,
      grid([-1, -1, 1, 1, 0, 0, 1, -1]),
    ]);
    expectTensorClose(y!, Tensor.fromValues('float32', [1, 1, 1, 4], [1, 4, 2.5, 2]), tol);
  });

  it('pads with zeros or clamps to the border outside the image', () => {
    const far = grid([3, -1]);
    const [zeros] = runLayer('grid_sample', { mode: 'nearest', paddingMode: 'zeros', alignCorners: true }, [x, far]);
    const [border] = runLayer('grid_sample', { mode: 'nearest', paddingMode: 'border', alignCorners: true }, [x, far]);
    expect(zeros!.toArray()).toEqual([0]);
    expect(border!.toArray()).toEqual([2]);
  });

  it('reflects coordinates in reflection mode', () => {
    // x = 3 with align_corners maps to column 2 → reflected into [0, 1] as 0.
    const [y] = runLayer('grid_sample', { mode: 'linear', paddingMode: 'reflection', alignCorners: true }, [x, grid([3, -1])]);
    expectTensorClose(y!, Tensor.fromValues('float32', [1, 1, 1, 1], [1]), tol);
  });

  it('rejects a grid of the wrong shape', () => {
    expect(() =>
      runLayer('grid_sample', { mode: 'linear', paddingMode: 'zeros', alignCorners: false }, [x, Tensor.zeros('float32', [1, 2, 2, 3])]),
    ).toThrow(/grid must be/);
  });
});
