import { KilnError, type PluginFieldValue, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, i64, iota, runLayer } from './layer-harness.js';

const scatter = (fields: Record<string, PluginFieldValue>, inputs: (Tensor | undefined)[]) =>
  runLayer('plugin', { namespace: 'kiln', name: 'TensorScatter', version: '1', fields }, inputs)[0]!;

describe('TensorScatter plugin', () => {
  it('writes at index 0 without write_indices, along the default axis -2', () => {
    const past = f32(new Array(8).fill(0), [1, 4, 2]);
    const update = f32([1, 2, 3, 4], [1, 2, 2]);
    expectTensorClose(scatter({ axis: -2, circular: false }, [past, update]), f32([1, 2, 3, 4, 0, 0, 0, 0], [1, 4, 2]), {
      rtol: 0,
      atol: 0,
    });
  });

  it('uses the batch entry of write_indices for every prefix (heads) of that batch', () => {
    const past = f32(new Array(2 * 2 * 3).fill(0), [2, 2, 3]); // [batch, heads, seq]
    const update = f32([1, 2, 3, 4], [2, 2, 1]);
    const y = scatter({ axis: 2, circular: false }, [past, update, i64([2, 0])]);
    expectTensorClose(y, f32([0, 0, 1, 0, 0, 2, 3, 0, 0, 4, 0, 0], [2, 2, 3]), { rtol: 0, atol: 0 });
  });

  it('copies any dtype bit-exactly', () => {
    const past = iota('int64', [1, 3]);
    const update = Tensor.fromValues('int64', [1, 1], [2n ** 60n]);
    const y = scatter({ axis: 1, circular: false }, [past, update, i64([1])]);
    expect(Array.from(y.data as BigInt64Array)).toEqual([0n, 2n ** 60n, 2n]);
  });

  it('rejects linear writes past the cache end', () => {
    const past = f32([0, 0], [1, 2]);
    expect(() => scatter({ axis: 1, circular: false }, [past, f32([1, 2], [1, 2]), i64([1])])).toThrow(KilnError);
  });
});
