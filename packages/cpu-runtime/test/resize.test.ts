import { type LayerParamsMap, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, i64, runLayer } from './layer-harness.js';

const base: LayerParamsMap['resize'] = {
  mode: 'nearest',
  coordinateTransform: 'asymmetric',
  nearestMode: 'floor',
  cubicCoeffA: -0.75,
  excludeOutside: false,
  extrapolationValue: 0,
  antialias: false,
  keepAspectRatioPolicy: 'stretch',
};
const tol = { rtol: 1e-6, atol: 1e-6 };

describe('resize kernel', () => {
  it('nearest upsampling copies storage (int64 stays exact)', () => {
    const x = Tensor.fromValues('int64', [1, 2], [2n ** 60n, 3n]);
    const [y] = runLayer('resize', base, [x, undefined, f32([1, 2])], 1, 'int64');
    expect(y!.toArray()).toEqual([2n ** 60n, 2n ** 60n, 3n, 3n]);
  });

  it('linear half_pixel clamps at the edges', () => {
    const [y] = runLayer('resize', { ...base, mode: 'linear', coordinateTransform: 'half_pixel' }, [f32([0, 1]), undefined, f32([2])]);
    expectTensorClose(y!, f32([0, 0.25, 0.75, 1]), tol);
  });

  it('antialiased linear downsampling widens and normalises the filter', () => {
    const [y] = runLayer('resize', { ...base, mode: 'linear', coordinateTransform: 'half_pixel', antialias: true }, [
      f32([0, 1, 2, 3]),
      undefined,
      f32([0.5]),
    ]);
    expectTensorClose(y!, f32([0.625, 2.375]), tol);
  });

  it('cubic align_corners reproduces samples at integer coordinates', () => {
    const x = f32([1, 4, 9]);
    const [y] = runLayer('resize', { ...base, mode: 'cubic', coordinateTransform: 'align_corners' }, [x, undefined, undefined, i64([5])]);
    expect(y!.shape).toEqual([5]);
    const v = y!.toArray() as number[];
    expect([v[0], v[2], v[4]]).toEqual([1, 4, 9]);
  });

  it('tf_crop_and_resize extrapolates outside the input', () => {
    const p = { ...base, mode: 'linear' as const, coordinateTransform: 'tf_crop_and_resize' as const, extrapolationValue: 7 };
    const [y] = runLayer('resize', p, [f32([0, 10]), f32([0, 2]), undefined, i64([3])]);
    expectTensorClose(y!, f32([0, 10, 7]), tol);
  });

  it('keep_aspect_ratio_policy not_larger scales every axis by the smallest ratio', () => {
    const x = Tensor.zeros('float32', [2, 4]);
    const [y] = runLayer('resize', { ...base, keepAspectRatioPolicy: 'not_larger' }, [x, undefined, undefined, i64([4, 4])]);
    expect(y!.shape).toEqual([2, 4]);
  });

  it('resizes only the listed axes', () => {
    const x = Tensor.fromValues('float32', [2, 1], [1, 2]);
    const [y] = runLayer('resize', { ...base, axes: [1] }, [x, undefined, f32([3])]);
    expectTensorClose(y!, Tensor.fromValues('float32', [2, 3], [1, 1, 1, 2, 2, 2]), tol);
  });

  it('rejects resizes without scales or sizes', () => {
    expect(() => runLayer('resize', base, [f32([1])])).toThrow(/neither scales nor sizes/);
  });
});
