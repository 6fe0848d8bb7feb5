import { ErrorCode, isKilnError, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

const softmax = (values: number[]) => {
  const m = Math.max(...values);
  const e = values.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('softmax kernel', () => {
  const x = f32([1, 2, 3, 4, 0, 0], [2, 3]);

  it('softmax over the last axis, stable for large values', () => {
    const [y] = runLayer('softmax', { axis: 1, mode: 'softmax' }, [x]);
    expectTensorClose(y!, f32([...softmax([1, 2, 3]), ...softmax([4, 0, 0])], [2, 3]), { rtol: 1e-6, atol: 0 });
    const [big] = runLayer('softmax', { axis: 0, mode: 'softmax' }, [f32([1000, 1000])]);
    expectTensorClose(big!, f32([0.5, 0.5]), { rtol: 0, atol: 0 });
  });

  it('softmax over a middle axis', () => {
    const [y] = runLayer('softmax', { axis: 0, mode: 'softmax' }, [x]);
    const cols = [0, 1, 2].map((j) => softmax([[1, 2, 3][j]!, [4, 0, 0][j]!]));
    expectTensorClose(y!, f32([cols[0]![0]!, cols[1]![0]!, cols[2]![0]!, cols[0]![1]!, cols[1]![1]!, cols[2]![1]!], [2, 3]), {
      rtol: 1e-6,
      atol: 0,
    });
  });

  it('coerce2d normalises the flattened trailing block (opset < 13)', () => {
    const [y] = runLayer('softmax', { axis: 0, mode: 'softmax', coerce2d: true }, [x]);
    expectTensorClose(y!, f32(softmax([1, 2, 3, 4, 0, 0]), [2, 3]), { rtol: 1e-6, atol: 0 });
  });

  it('log_softmax and hardmax (first maximum wins)', () => {
    const [l] = runLayer('softmax', { axis: 1, mode: 'log_softmax' }, [x]);
    expectTensorClose(l!, f32([...softmax([1, 2, 3]), ...softmax([4, 0, 0])].map(Math.log), [2, 3]), { rtol: 1e-6, atol: 1e-7 });
    const [h] = runLayer('softmax', { axis: 1, mode: 'hardmax' }, [f32([1, 3, 3, 2, 1, 0], [2, 3])]);
    expect(h!.toArray()).toEqual([0, 1, 0, 1, 0, 0]);
  });

  it('rejects integer inputs', () => {
    expect(
      isKilnError(
        thrown(() => runLayer('softmax', { axis: 0, mode: 'softmax' }, [Tensor.fromValues('int32', [1], [1])])),
        ErrorCode.UNSUPPORTED_DTYPE,
      ),
    ).toBe(true);
  });
});
