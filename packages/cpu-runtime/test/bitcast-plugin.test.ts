import { type DType, KilnError, Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { runLayer } from './layer-harness.js';

const bitCast = (x: Tensor, to: DType) =>
  runLayer('plugin', { namespace: 'kiln', name: 'BitCast', version: '1', fields: { to } }, [x], 1, to)[0]!;

describe('BitCast plugin', () => {
  it('reinterprets whole-byte types exactly', () => {
    const f = Tensor.fromValues('float32', [2], [1, -0]);
    expect(Array.from(bitCast(f, 'uint32').data as Uint32Array)).toEqual([0x3f800000, 0x80000000]);
    const i = Tensor.fromValues('int64', [1], [-1n]);
    expect(Array.from(bitCast(i, 'uint64').data as BigUint64Array)).toEqual([2n ** 64n - 1n]);
    const h = Tensor.fromValues('float16', [1], [1]);
    expect(Array.from(bitCast(h, 'int16').data as Int16Array)).toEqual([0x3c00]);
    const b = Tensor.fromValues('bool', [3], [true, false, true]);
    expect(Array.from(bitCast(b, 'uint8').data as Uint8Array)).toEqual([1, 0, 1]);
    expect(Array.from(bitCast(Tensor.fromValues('int8', [2], [-1, 5]), 'uint8').data as Uint8Array)).toEqual([255, 5]);
  });

  it('keeps the low bits of sub-byte types and sign-extends signed targets', () => {
    const u4 = Tensor.fromValues('uint4', [3], [15, 8, 7]);
    expect(Array.from(bitCast(u4, 'int4').data as Int8Array)).toEqual([-1, -8, 7]);
    const i4 = Tensor.fromValues('int4', [2], [-1, -8]);
    expect(Array.from(bitCast(i4, 'uint4').data as Uint8Array)).toEqual([15, 8]);
  });

  it('refuses a change of width', () => {
    expect(() => bitCast(Tensor.fromValues('float32', [1], [1]), 'int64')).toThrow(KilnError);
  });
});
