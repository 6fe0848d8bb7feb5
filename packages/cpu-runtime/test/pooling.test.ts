import { ErrorCode, isKilnError, type LayerParamsMap, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, iota, runLayer } from './layer-harness.js';

type PoolParams = LayerParamsMap['pooling'];

const pool = (p: Partial<PoolParams>): PoolParams => ({
  type: 'max',
  global: false,
  window: [2, 2],
  strides: [2, 2],
  padsBegin: [0, 0],
  padsEnd: [0, 0],
  dilations: [1, 1],
  paddingMode: 'explicit',
  ceilMode: false,
  countIncludePad: false,
  ...p,
});

// 4×4 plane holding 0..15.
const x = iota('float32', [1, 1, 4, 4]);

describe('pooling kernel', () => {
  it('max pooling with flat indices, row-major and column-major', () => {
    const [y, idx] = runLayer('pooling', pool({}), [x], 2);
    expectTensorClose(y!, f32([5, 7, 13, 15], [1, 1, 2, 2]), { rtol: 0, atol: 0 });
    expect(idx!.dtype).toBe('int64');
    expect(Array.from(idx!.data as BigInt64Array, Number)).toEqual([5, 7, 13, 15]);
    const [, colMajor] = runLayer('pooling', pool({ storageOrder: 1 }), [x], 2);
    // (h=1,w=1) → 1 + 1*4 = 5; (1,3) → 1 + 3*4 = 13; (3,1) → 7; (3,3) → 15
    expect(Array.from(colMajor!.data as BigInt64Array, Number)).toEqual([5, 13, 7, 15]);
  });

  it('average pooling divides by real or padded element counts', () => {
    const p = { type: 'average' as const, window: [3, 3], strides: [3, 3], padsBegin: [1, 1], padsEnd: [1, 1] };
    const exclude = runLayer('pooling', pool(p), [x])[0]!;
    const include = runLayer('pooling', pool({ ...p, countIncludePad: true }), [x])[0]!;
    // Window (0,0) covers rows/cols {0,1} of the input: 0+1+4+5 over 4 real / 9 padded cells.
    expect(exclude.toFloat64()[0]).toBeCloseTo(2.5, 6);
    expect(include.toFloat64()[0]).toBeCloseTo(10 / 9, 6);
    expect(exclude.shape).toEqual([1, 1, 2, 2]);
  });

  it('ceil mode adds a partial last window; dilation spreads the window', () => {
    const y = runLayer('pooling', pool({ window: [3, 3], ceilMode: true }), [x])[0]!;
    expectTensorClose(y, f32([10, 11, 14, 15], [1, 1, 2, 2]), { rtol: 0, atol: 0 });
    const d = runLayer('pooling', pool({ window: [2, 2], strides: [1, 1], dilations: [2, 2] }), [x])[0]!;
    expectTensorClose(d, f32([10, 11, 14, 15], [1, 1, 2, 2]), { rtol: 0, atol: 0 });
  });

  it('SAME_UPPER pads so that out = ceil(in / stride)', () => {
    const y = runLayer('pooling', pool({ window: [3, 3], strides: [2, 2], paddingMode: 'same_upper' }), [x])[0]!;
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expectTensorClose(y, f32([10, 11, 14, 15], [1, 1, 2, 2]), { rtol: 0, atol: 0 });
  });

  it('global average / max / lp pooling over all spatial dims', () => {
    const v = f32([3, -4, 0, 0, 1, 1, 1, 1], [1, 2, 2, 2]);
    expectTensorClose(runLayer('pooling', pool({ type: 'average', global: true }), [v])[0]!, f32([-0.25, 1], [1, 2, 1, 1]), {
      rtol: 0,
      atol: 1e-7,
    });
    expectTensorClose(runLayer('pooling', pool({ type: 'max', global: true }), [v])[0]!, f32([3, 1], [1, 2, 1, 1]), { rtol: 0, atol: 0 });
    expectTensorClose(runLayer('pooling', pool({ type: 'lp', global: true, p: 2 }), [v])[0]!, f32([5, 2], [1, 2, 1, 1]), {
      rtol: 1e-6,
      atol: 0,
    });
  });

  it('1-D and 3-D windows, and integer inputs stay integer', () => {
    const one = runLayer('pooling', pool({ window: [2], strides: [1], padsBegin: [0], padsEnd: [0], dilations: [1] }), [
      f32([1, 3, 2], [1, 1, 3]),
    ])[0]!;
    expectTensorClose(one, f32([3, 3], [1, 1, 2]), { rtol: 0, atol: 0 });
    const three = runLayer(
      'pooling',
      pool({ type: 'average', window: [2, 2, 2], strides: [2, 2, 2], padsBegin: [0, 0, 0], padsEnd: [0, 0, 0], dilations: [1, 1, 1] }),
      [iota('float32', [1, 1, 2, 2, 2])],
    )[0]!;
    expectTensorClose(three, f32([3.5], [1, 1, 1, 1, 1]), { rtol: 0, atol: 1e-7 });
    const u8 = runLayer('pooling', pool({}), [Tensor.fromValues('uint8', [1, 1, 2, 2], [1, 200, 3, 4])], 1, 'uint8')[0]!;
    expect(u8.dtype).toBe('uint8');
    expect(Array.from(u8.data as Uint8Array)).toEqual([200]);
  });

  it('rejects a window larger than the padded input', () => {
    let err: unknown;
    try {
      runLayer('pooling', pool({ window: [5, 5] }), [x]);
    } catch (e) {
      err = e;
    }
    expect(isKilnError(err, ErrorCode.INVALID_SHAPE)).toBe(true);
  });
});
