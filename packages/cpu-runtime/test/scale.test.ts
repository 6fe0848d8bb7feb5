import { ErrorCode, isKilnError } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

const x = f32([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);

describe('scale kernel', () => {
  it('uniform scale and shift', () => {
    const [y] = runLayer('scale', { mode: 'uniform', channelAxis: 1 }, [x, f32([1]), f32([2])]);
    expectTensorClose(y!, f32([3, 5, 7, 9, 11, 13, 15, 17], [1, 2, 2, 2]), { rtol: 0, atol: 0 });
  });

  it('per-channel parameters along channelAxis, power included', () => {
    const [y] = runLayer('scale', { mode: 'channel', channelAxis: 1 }, [x, f32([0, 1]), f32([1, 2]), f32([2, 1])]);
    expectTensorClose(y!, f32([1, 4, 9, 16, 11, 13, 15, 17], [1, 2, 2, 2]), { rtol: 0, atol: 0 });
  });

  it('omitted parameters are skipped; elementwise parameters broadcast', () => {
    const [y] = runLayer('scale', { mode: 'elementwise', channelAxis: 0 }, [f32([1, 2, 3, 4], [2, 2]), undefined, f32([10, 100], [2])]);
    expectTensorClose(y!, f32([10, 200, 30, 400], [2, 2]), { rtol: 0, atol: 0 });
  });

  it('rejects channel parameters of the wrong length', () => {
    const e = thrown(() => runLayer('scale', { mode: 'channel', channelAxis: 1 }, [x, f32([1, 2, 3])]));
    expect(isKilnError(e, ErrorCode.SHAPE_MISMATCH)).toBe(true);
  });
});
