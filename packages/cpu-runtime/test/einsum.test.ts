import { ErrorCode, isKilnError, type Tensor } from '@kiln-inference/core';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

const einsum = (equation: string, ...inputs: Tensor[]) => runLayer('einsum', { equation }, inputs, 1, inputs[0]!.dtype)[0]!;

describe('einsum kernel', () => {
  const a = f32([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = f32([7, 8, 9, 10, 11, 12], [3, 2]);

  it('matrix product, explicit and implicit', () => {
    expectTensorClose(einsum('ij,jk->ik', a, b), f32([58, 64, 139, 154], [2, 2]), { rtol: 0, atol: 0 });
    expectTensorClose(einsum('ij,jk', a, b), f32([58, 64, 139, 154], [2, 2]), { rtol: 0, atol: 0 });
  });

  it('transpose, sum, trace and diagonal', () => {
    expectTensorClose(einsum('ij->ji', a), f32([1, 4, 2, 5, 3, 6], [3, 2]), { rtol: 0, atol: 0 });
    expectTensorClose(einsum('ij->', a), f32([21], []), { rtol: 0, atol: 0 });
    const sq = f32([1, 2, 3, 4], [2, 2]);
    expectTensorClose(einsum('ii', sq), f32([5], []), { rtol: 0, atol: 0 });
    expectTensorClose(einsum('ii->i', sq), f32([1, 4]), { rtol: 0, atol: 0 });
  });

  it('batched product with an ellipsis', () => {
    const x = randomTensor('float32', [2, 2, 3], 5);
    const y = randomTensor('float32', [2, 3, 1], 6);
    const out = einsum('...ij,...jk->...ik', x, y);
    expect(out.shape).toEqual([2, 2, 1]);
    const xv = x.toFloat64();
    const yv = y.toFloat64();
    const want = [0, 1].flatMap((bt) => [0, 1].map((i) => [0, 1, 2].reduce((s, j) => s + xv[bt * 6 + i * 3 + j]! * yv[bt * 3 + j]!, 0)));
    expectTensorClose(out, f32(want, [2, 2, 1]), { rtol: 1e-6, atol: 1e-7 });
  });

  it('rejects malformed equations and mismatched label sizes', () => {
    expect(
      isKilnError(
        thrown(() => einsum('ij,jk->ik', a)),
        ErrorCode.INVALID_ATTRIBUTE,
      ),
    ).toBe(true);
    expect(
      isKilnError(
        thrown(() => einsum('ij,jk->ik', a, a)),
        ErrorCode.INVALID_ATTRIBUTE,
      ),
    ).toBe(true);
    expect(
      isKilnError(
        thrown(() => einsum('i1->i', a)),
        ErrorCode.INVALID_ATTRIBUTE,
      ),
    ).toBe(true);
  });
});
