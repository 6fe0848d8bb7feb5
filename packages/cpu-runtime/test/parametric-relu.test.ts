import { ErrorCode, isKilnError } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

describe('parametric_relu kernel', () => {
  it('applies a per-channel slope by broadcasting', () => {
    const x = f32([-1, 2, -3, 4, -5, 6], [2, 3]);
    const slope = f32([0.1, 0.2, 0.3], [3]);
    const [y] = runLayer('parametric_relu', {}, [x, slope]);
    expectTensorClose(y!, f32([-0.1, 2, -0.9, 4, -1, 6], [2, 3]), { rtol: 1e-6, atol: 0 });
  });

  it('fails on slopes that do not broadcast', () => {
    expect(
      isKilnError(
        thrown(() => runLayer('parametric_relu', {}, [f32([1, 2]), f32([1, 2, 3])])),
        ErrorCode.SHAPE_MISMATCH,
      ),
    ).toBe(true);
  });
});
