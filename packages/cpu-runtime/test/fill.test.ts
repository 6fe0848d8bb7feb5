import { ErrorCode, isKilnError, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { f32, i64, runLayer } from './layer-harness.js';
import { thrown } from './math-errors.js';

describe('fill kernel', () => {
  it('constant_of_shape', () => {
    const [y] = runLayer('fill', { mode: 'constant_of_shape', dtype: 'int32', value: 7 }, [i64([2, 3])], 1, 'int32');
    expect(y!.shape).toEqual([2, 3]);
    expect(y!.toArray()).toEqual([7, 7, 7, 7, 7, 7]);
  });

  it('range with positive and negative steps', () => {
    const scalar = (v: number) => Tensor.fromValues('int32', [], [v]);
    expect(runLayer('fill', { mode: 'range', dtype: 'int32' }, [scalar(10), scalar(1), scalar(-3)], 1, 'int32')[0]!.toArray()).toEqual([
      10, 7, 4,
    ]);
    const f = (v: number) => f32([v], []);
    expect(runLayer('fill', { mode: 'range', dtype: 'float32' }, [f(0), f(1), f(0.25)])[0]!.toArray()).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it('eye_like with an offset', () => {
    const [y] = runLayer('fill', { mode: 'eye_like', dtype: 'float32', k: 1 }, [Tensor.zeros('float32', [2, 3])]);
    expect(y!.toArray()).toEqual([0, 1, 0, 0, 0, 1]);
  });

  it('seeded random fills are reproducible and in range', () => {
    const params = { mode: 'random_uniform' as const, dtype: 'float32' as const, shape: [100], low: 2, high: 3, seed: 5 };
    const [a] = runLayer('fill', params, []);
    const [b] = runLayer('fill', params, []);
    expect(a!.toArray()).toEqual(b!.toArray());
    expect(a!.toArray().every((v) => (v as number) >= 2 && (v as number) < 3)).toBe(true);
    const [n] = runLayer(
      'fill',
      { mode: 'random_normal', dtype: 'float64', mean: 10, scale: 0.1, seed: 1 },
      [Tensor.zeros('float32', [1000])],
      1,
      'float64',
    );
    const mean = (n!.toArray() as number[]).reduce((s, v) => s + v, 0) / 1000;
    expect(Math.abs(mean - 10)).toBeLessThan(0.02);
  });

  it('rejects negative dims, zero steps and absurd sizes', () => {
    expect(
      isKilnError(
        thrown(() => runLayer('fill', { mode: 'constant_of_shape', dtype: 'float32' }, [i64([-1])])),
        ErrorCode.INVALID_SHAPE,
      ),
    ).toBe(true);
    const z = f32([0], []);
    expect(
      isKilnError(
        thrown(() => runLayer('fill', { mode: 'range', dtype: 'float32' }, [z, f32([1], []), z])),
        ErrorCode.INVALID_ARGUMENT,
      ),
    ).toBe(true);
    expect(
      isKilnError(
        // Refused before the kernel allocates, from the output shape inferred for its inputs.
        thrown(() => runLayer('fill', { mode: 'constant_of_shape', dtype: 'float32' }, [i64([2 ** 30, 2 ** 30])])),
        ErrorCode.RESOURCE_LIMIT,
      ),
    ).toBe(true);
  });
});
