import { KilnError } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

const det = (x: ReturnType<typeof f32>) => runLayer('plugin', { namespace: 'kiln', name: 'Det', version: '1', fields: {} }, [x])[0]!;

describe('Det plugin', () => {
  it('matches cofactor expansion on a 3×3 that needs pivoting', () => {
    const m = [0, 2, 1, 3, -1, 4, 2, 5, -2];
    const cofactor =
      m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) - m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) + m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!);
    expectTensorClose(det(f32(m, [3, 3])), f32([cofactor], []), { rtol: 1e-6, atol: 1e-6 });
  });

  it('gives 0 for singular matrices and keeps batch dims', () => {
    const y = det(f32([1, 2, 2, 4, 3, 0, 0, 3], [2, 1, 2, 2]));
    expect(y.shape).toEqual([2, 1]);
    expectTensorClose(y, f32([0, 9], [2, 1]), { rtol: 0, atol: 1e-9 });
  });

  it('rejects non-square input', () => {
    expect(() => det(f32([1, 2, 3, 4, 5, 6], [2, 3]))).toThrow(KilnError);
  });
});
