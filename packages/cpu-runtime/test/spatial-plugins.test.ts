import { type PluginFieldValue, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, iota, runLayer } from './layer-harness.js';

const plugin = (name: string, fields: Record<string, PluginFieldValue>, inputs: (Tensor | undefined)[]) =>
  runLayer('plugin', { namespace: 'kiln', name, version: '1', fields }, inputs)[0]!;
const i64 = (values: number[], shape = [values.length]) => Tensor.fromValues('int64', shape, values);

describe('RoiAlign plugin', () => {
  it('a linear ramp samples to bin-centre values (avg, half_pixel)', () => {
    // X[h, w] = w: bilinear sampling is exact, so each bin averages to its centre's x.
    const x = f32(
      Array.from({ length: 64 }, (_, i) => i % 8),
      [1, 1, 8, 8],
    );
    const rois = f32([1, 1, 5, 5], [1, 4]);
    const fields = { mode: 'avg', outputHeight: 2, outputWidth: 2, samplingRatio: 2, spatialScale: 1, halfPixel: true };
    const y = plugin('RoiAlign', fields, [x, rois, i64([0])]);
    // roi x from 0.5 to 4.5, bins [0.5, 2.5] and [2.5, 4.5] → centres 1.5 and 3.5
    expectTensorClose(y, f32([1.5, 3.5, 1.5, 3.5], [1, 1, 2, 2]), { rtol: 1e-6, atol: 1e-6 });
  });

  it('rejects a batch index outside the input', () => {
    const fields = { mode: 'avg', outputHeight: 1, outputWidth: 1, samplingRatio: 1, spatialScale: 1, halfPixel: true };
    expect(() => plugin('RoiAlign', fields, [f32([1], [1, 1, 1, 1]), f32([0, 0, 1, 1], [1, 4]), i64([3])])).toThrow(/batch index 3/);
  });
});

describe('MaxRoiPool plugin', () => {
  it('max over each bin of the rounded roi', () => {
    const x = iota('float32', [1, 1, 4, 4]);
    const y = plugin('MaxRoiPool', { pooledShape: [2, 2], spatialScale: 1 }, [x, f32([0, 0, 0, 3, 3], [1, 5])]);
    expectTensorClose(y, f32([5, 7, 13, 15], [1, 1, 2, 2]), { rtol: 0, atol: 0 });
  });
});

describe('MaxUnpool plugin', () => {
  it('scatters values to their indices; a larger output shape keeps coordinates', () => {
    const x = f32([5, 6, 7, 8], [1, 1, 2, 2]);
    const idx = i64([5, 7, 13, 15], [1, 1, 2, 2]);
    const fields = { kernelShape: [2, 2], strides: [2, 2], padsBegin: [], padsEnd: [] };
    const y = plugin('MaxUnpool', fields, [x, idx]);
    expect(y.shape).toEqual([1, 1, 4, 4]);
    expectTensorClose(y, f32([0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 7, 0, 8], [1, 1, 4, 4]), { rtol: 0, atol: 0 });
    const big = plugin('MaxUnpool', fields, [x, idx, i64([1, 1, 5, 5])]);
    expect(big.toFloat64()[1 * 5 + 1]).toBe(5);
    expect(big.toFloat64()[3 * 5 + 3]).toBe(8);
  });
});

describe('Col2Im plugin', () => {
  it('sums overlapping 2x2 blocks back into a 3x3 image', () => {
    const cols = f32(new Array(4 * 4).fill(1), [1, 4, 4]);
    const y = plugin('Col2Im', { dilations: [], strides: [], padsBegin: [], padsEnd: [] }, [cols, i64([3, 3]), i64([2, 2])]);
    expectTensorClose(y, f32([1, 2, 1, 2, 4, 2, 1, 2, 1], [1, 1, 3, 3]), { rtol: 0, atol: 0 });
  });

  it('rejects a block count that disagrees with the geometry', () => {
    expect(() => plugin('Col2Im', {}, [f32(new Array(12).fill(1), [1, 4, 3]), i64([3, 3]), i64([2, 2])])).toThrow(/blocks/);
  });
});

describe('AffineGrid plugin', () => {
  it('the identity transform returns the normalized base grid', () => {
    const theta = f32([1, 0, 0, 0, 1, 0], [1, 2, 3]);
    const y = plugin('AffineGrid', { alignCorners: true }, [theta, i64([1, 1, 2, 3])]);
    expectTensorClose(y, f32([-1, -1, 0, -1, 1, -1, -1, 1, 0, 1, 1, 1], [1, 2, 3, 2]), { rtol: 0, atol: 1e-7 });
    const centres = plugin('AffineGrid', { alignCorners: false }, [theta, i64([1, 1, 1, 2])]);
    expectTensorClose(centres, f32([-0.5, 0, 0.5, 0], [1, 1, 2, 2]), { rtol: 0, atol: 1e-7 });
  });
});
