import { Tensor } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

describe('cast kernel', () => {
  it('float → int truncates toward zero and wraps', () => {
    const [y] = runLayer('cast', { to: 'int8' }, [f32([1.9, -1.9, 300])], 1, 'int8');
    expect(y!.toArray()).toEqual([1, -1, 44]);
  });

  it('float → float8 saturates unless told not to', () => {
    const x = f32([1000, -1000]);
    expect(runLayer('cast', { to: 'float8e4m3fn' }, [x], 1, 'float8e4m3fn')[0]!.toArray()).toEqual([448, -448]);
    const raw = runLayer('cast', { to: 'float8e4m3fn', saturate: false }, [x], 1, 'float8e4m3fn')[0]!.toArray();
    expect(raw.every((v) => Number.isNaN(v as number))).toBe(true);
  });

  it('NaN → float4e2m1 is the 0x8 code, as ONNX defines; ties round to even (5 → 4)', () => {
    const [y] = runLayer('cast', { to: 'float4e2m1' }, [f32([Number.NaN, 5, -0.3])], 1, 'float4e2m1');
    expect(Array.from(y!.data as Uint8Array)).toEqual([0x8, 0x6, 0x9]);
  });

  it('int64 → string and bool → float32', () => {
    expect(runLayer('cast', { to: 'string' }, [Tensor.fromValues('int64', [2], [-(2n ** 60n), 7n])], 1, 'string')[0]!.toArray()).toEqual([
      (-(2n ** 60n)).toString(),
      '7',
    ]);
    expect(runLayer('cast', { to: 'float32' }, [Tensor.fromValues('bool', [2], [true, false])])[0]!.toArray()).toEqual([1, 0]);
  });
});
