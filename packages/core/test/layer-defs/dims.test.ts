import { describe, expect, it } from 'vitest';
import { ErrorCode, Tensor } from '../../src/index.js';
import { axisIn, broadcastDims, dimProduct, dimSum, knownIntValues, staticDims, unifyDims } from '../../src/layer-defs/dims.js';
import { windowGeometry, windowOutputDim } from '../../src/layer-defs/window-geometry.js';
import { t, thrown } from './infer-helpers.js';

describe('symbolic dims', () => {
  it('broadcasts numbers, symbols and unknowns', () => {
    expect(
      broadcastDims([
        [2, 1, 5],
        [3, 1],
      ]),
    ).toEqual([2, 3, 5]);
    expect(
      broadcastDims([
        ['batch', 3],
        [1, 3],
      ]),
    ).toEqual(['batch', 3]);
    expect(broadcastDims([['a'], ['b']])).toEqual([null]);
    expect(broadcastDims([['a'], ['a']])).toEqual(['a']);
    expect(broadcastDims([[null], [4]])).toEqual([4]);
    expect(broadcastDims([[null], [1]])).toEqual([null]);
    expect(broadcastDims([[2, 3], [3], []])).toEqual([2, 3]);
    expect(broadcastDims([])).toEqual([]);
  });

  it('throws SHAPE_MISMATCH for known dims that differ and are not 1', () => {
    const e = thrown(() =>
      broadcastDims(
        [
          [2, 3],
          [4, 3],
        ],
        { layer: { name: 'add_1', kind: 'elementwise' } },
      ),
    );
    expect(e.code).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(e.message).toMatch(/^layer 'add_1' \(elementwise\): shapes \[2,3\] and \[4,3\] cannot be broadcast/);
  });

  it('sums and multiplies as exactly as the dims allow', () => {
    expect(dimSum([2, 3, 4])).toBe(9);
    expect(dimSum(['n', 0])).toBe('n');
    expect(dimSum(['n', 1])).toBeNull();
    expect(dimSum(['n', 'n'])).toBeNull();
    expect(dimSum([2, null])).toBeNull();
    expect(dimProduct([2, 3, 4])).toBe(24);
    expect(dimProduct(['batch', 1])).toBe('batch');
    expect(dimProduct(['batch', 2])).toBeNull();
    expect(dimProduct([null, 0])).toBe(0);
    expect(dimProduct([])).toBe(1);
  });

  it('computes window output sizes like ONNX', () => {
    const conv = { kernel: 7, stride: 2, dilation: 1, padBegin: 3, padEnd: 3, paddingMode: 'explicit' as const };
    expect(windowOutputDim(224, conv)).toBe(112);
    expect(windowOutputDim(224, { ...conv, paddingMode: 'valid' })).toBe(109);
    expect(windowOutputDim(7, { ...conv, paddingMode: 'same_upper' })).toBe(4);
    // ceil mode keeps a partial last window but drops one starting in the end padding.
    const pool = { kernel: 3, stride: 2, dilation: 1, padBegin: 0, padEnd: 0, paddingMode: 'explicit' as const };
    expect(windowOutputDim(6, pool)).toBe(2);
    expect(windowOutputDim(6, { ...pool, ceilMode: true })).toBe(3);
    expect(windowOutputDim(5, { ...pool, padEnd: 1, ceilMode: true })).toBe(3);
    expect(windowOutputDim(5, { ...pool, kernel: 2, padEnd: 2, ceilMode: true })).toBe(3);
    // Dilation widens the span: (10 - 2*(3-1) - 1)/1 + 1 = 6.
    expect(windowOutputDim(10, { ...pool, stride: 1, dilation: 2 })).toBe(6);
  });

  it('keeps a symbol only where the window maps the dim onto itself', () => {
    const same = { kernel: 3, stride: 1, dilation: 1, padBegin: 1, padEnd: 1, paddingMode: 'explicit' as const };
    expect(windowOutputDim('h', same)).toBe('h');
    expect(windowOutputDim('h', { ...same, padEnd: 0 })).toBeNull();
    expect(windowOutputDim('h', { ...same, stride: 2 })).toBeNull();
    expect(windowOutputDim('h', { ...same, paddingMode: 'same_lower', padBegin: 0, padEnd: 0 })).toBe('h');
    expect(windowOutputDim(null, same)).toBeNull();
  });

  it('rejects a window larger than its padded input', () => {
    const e = thrown(() => windowOutputDim(2, { kernel: 5, stride: 1, dilation: 1, padBegin: 1, padEnd: 0, paddingMode: 'explicit' }));
    expect(e.code).toBe(ErrorCode.INVALID_SHAPE);
    expect(e.message).toMatch(/span 5 does not fit a dim of size 2 with pads 1\+0/);
  });

  it('gives the effective pads of concrete windows (what kernels and the lowering use)', () => {
    // SAME pads so that out = ceil(in / stride); SAME_UPPER puts an odd pad at the end, SAME_LOWER at the beginning.
    const base = { kernel: [3, 4], strides: [2, 2], dilations: [1, 1], padsBegin: [], padsEnd: [] };
    expect(windowGeometry([7, 6], { ...base, paddingMode: 'same_upper' })).toEqual({
      outSpatial: [4, 3],
      padsBegin: [1, 1],
      padsEnd: [1, 1],
    });
    expect(windowGeometry([8, 8], { ...base, paddingMode: 'same_upper' })).toEqual({
      outSpatial: [4, 4],
      padsBegin: [0, 1],
      padsEnd: [1, 1],
    });
    expect(windowGeometry([8, 8], { ...base, paddingMode: 'same_lower' })).toEqual({
      outSpatial: [4, 4],
      padsBegin: [1, 1],
      padsEnd: [0, 1],
    });
    expect(windowGeometry([8, 8], { ...base, paddingMode: 'valid', padsBegin: [5, 5], padsEnd: [5, 5] })).toEqual({
      outSpatial: [3, 3],
      padsBegin: [0, 0],
      padsEnd: [0, 0],
    });
    expect(
      windowGeometry([6], {
        ...base,
        kernel: [3],
        strides: [2],
        dilations: [1],
        padsBegin: [0],
        padsEnd: [0],
        paddingMode: 'explicit',
        ceilMode: true,
      }),
    ).toEqual({
      outSpatial: [3],
      padsBegin: [0],
      padsEnd: [0],
    });
    const e = thrown(() => windowGeometry([2, 8], { ...base, paddingMode: 'valid' }));
    expect(e.message).toMatch(/span 3 does not fit a dim of size 2/);
    expect(e.hint).toMatch(/spatial dim 0/);
  });

  it('unifies, normalises axes and reads known integer values', () => {
    expect(unifyDims('n', 3)).toBe(3);
    expect(unifyDims(null, 'n')).toBe('n');
    expect(unifyDims('a', 'b')).toBeNull();
    expect(staticDims([1, 2])).toEqual([1, 2]);
    expect(staticDims([1, 'n'])).toBeNull();
    expect(axisIn(-1, 4, 'axis')).toBe(3);
    expect(thrown(() => axisIn(4, 4, 'axis')).code).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(knownIntValues(t('int64', [2], Tensor.fromValues('int64', [2], [3n, -1n])), 'shape')).toEqual([3, -1]);
    expect(knownIntValues(t('int64', [2]), 'shape')).toBeNull();
    expect(thrown(() => knownIntValues(t('float32', [1], Tensor.fromValues('float32', [1], [1])), 'shape')).code).toBe(
      ErrorCode.INVALID_DTYPE,
    );
    expect(thrown(() => knownIntValues(t('int64', [1], Tensor.fromValues('int64', [1], [2n ** 60n])), 'shape')).code).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
  });
});
