import { ErrorCode, isKilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

const mm = (a: Tensor, b: Tensor, transposeA = false, transposeB = false) =>
  runLayer('matrix_multiply', { transposeA, transposeB }, [a, b], 1, a.dtype)[0]!;

/** Naive 2-D product for cross-checking. */
function naive(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) out.push(Array.from({ length: k }, (_, p) => a[i * k + p]! * b[p * n + j]!).reduce((s, v) => s + v, 0));
  return out;
}

describe('matrix_multiply kernel', () => {
  it('2-D product and both transposes', () => {
    const a = f32([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = f32([7, 8, 9, 10, 11, 12], [3, 2]);
    expectTensorClose(mm(a, b), f32([58, 64, 139, 154], [2, 2]), { rtol: 0, atol: 0 });
    const at = f32([1, 4, 2, 5, 3, 6], [3, 2]);
    const bt = f32([7, 9, 11, 8, 10, 12], [2, 3]);
    expectTensorClose(mm(at, bt, true, true), f32([58, 64, 139, 154], [2, 2]), { rtol: 0, atol: 0 });
  });

  it('broadcasts batch dims and promotes vectors like numpy', () => {
    const a = randomTensor('float32', [2, 1, 3, 4], 3);
    const b = randomTensor('float32', [5, 4, 2], 4);
    const y = mm(a, b);
    expect(y.shape).toEqual([2, 5, 3, 2]);
    const av = Array.from(a.toFloat64());
    const bv = Array.from(b.toFloat64());
    const want = naive(av.slice(12, 24), bv.slice(8 * 3, 8 * 4), 3, 4, 2);
    expectTensorClose(new Tensor('float32', [3, 2], (y.data as Float32Array).slice((1 * 5 + 3) * 6, (1 * 5 + 4) * 6)), f32(want, [3, 2]), {
      rtol: 1e-6,
      atol: 1e-7,
    });
    expect(mm(f32([1, 2]), f32([3, 4])).shape).toEqual([]);
    expect(mm(f32([1, 2]), f32([1, 2, 3, 4], [2, 2])).toArray()).toEqual([7, 10]);
  });

  it('int32 accumulates exactly and wraps; int64 stays exact', () => {
    const a = Tensor.fromValues('int32', [1, 2], [65536, 65536]);
    const b = Tensor.fromValues('int32', [2, 1], [32768, 32768]);
    expect(mm(a, b).toArray()).toEqual([0]); // 2^32 wraps to 0
    const big = Tensor.fromValues('int64', [1, 1], [2n ** 40n + 1n]);
    expect(mm(big, Tensor.fromValues('int64', [1, 1], [2n ** 20n])).toArray()).toEqual([2n ** 60n + 2n ** 20n]);
  });

  it('applies a fused residual + activation epilogue', () => {
    const a = f32([1, -2], [1, 2]);
    const b = f32([1, 1], [2, 1]);
    const [y] = runLayer(
      'matrix_multiply',
      { transposeA: false, transposeB: false, epilogue: { residualInput: 2, activation: { type: 'relu' } } },
      [a, b, f32([0.5], [1, 1])],
    );
    expectTensorClose(y!, f32([0], [1, 1]), { rtol: 0, atol: 0 });
  });

  it('rejects mismatched inner dims naming the layer', () => {
    const e = thrown(() => mm(f32([1, 2, 3], [1, 3]), f32([1, 2], [2, 1])));
    expect(isKilnError(e, ErrorCode.SHAPE_MISMATCH)).toBe(true);
    expect((e as Error).message).toContain('matrix_multiply_layer');
  });
});
