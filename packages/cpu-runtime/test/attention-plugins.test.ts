import { type PluginFieldValue, Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

const attention = (fields: Record<string, PluginFieldValue>, inputs: (Tensor | undefined)[], outputs = 1) =>
  runLayer('plugin', { namespace: 'kiln', name: 'Attention', version: '1', fields }, inputs, outputs);
const base = { isCausal: false, qNumHeads: 0, kvNumHeads: 0, qkMatmulOutputMode: 0, scale: null, softcap: 0 };

/** softmax-weighted average of value rows for one query. */
function attend(q: number[], keys: number[][], values: number[][], scale: number, allowed = keys.map(() => true)): number[] {
  const s = keys.map((k, j) => (allowed[j] ? scale * k.reduce((a, v, d) => a + v * q[d]!, 0) : -Infinity));
  const m = Math.max(...s);
  const e = s.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return values[0]!.map((_, d) => e.reduce((a, p, j) => a + (p / z) * values[j]![d]!, 0));
}

describe('Attention plugin', () => {
  const K = [
    [1, 0],
    [0, 1],
    [1, 1],
  ];
  const V = [
    [1, 2],
    [3, 4],
    [5, 6],
  ];
  const k = f32(K.flat(), [1, 1, 3, 2]);
  const v = f32(V.flat(), [1, 1, 3, 2]);

  it('scaled dot-product attention with the default 1/sqrt(head) scale', () => {
    const q = f32([1, 2, 0, 1], [1, 1, 2, 2]);
    const [y] = attention(base, [q, k, v]);
    const s = 1 / Math.sqrt(2);
    expectTensorClose(y!, f32([...attend([1, 2], K, V, s), ...attend([0, 1], K, V, s)], [1, 1, 2, 2]), { rtol: 1e-6, atol: 1e-7 });
  });

  it('causal masking is bottom-right aligned to the KV cache; present keys concatenate the past', () => {
    const q = f32([1, 2], [1, 1, 1, 2]);
    const pastK = f32([1, 0, 0, 1], [1, 1, 2, 2]);
    const pastV = f32([1, 2, 3, 4], [1, 1, 2, 2]);
    const curK = f32([1, 1], [1, 1, 1, 2]);
    const curV = f32([5, 6], [1, 1, 1, 2]);
    const [y, presentK] = attention({ ...base, isCausal: true, scale: 1 }, [q, curK, curV, undefined, pastK, pastV], 2);
    expectTensorClose(presentK!, k, { rtol: 0, atol: 0 });
    expectTensorClose(y!, f32(attend([1, 2], K, V, 1), [1, 1, 1, 2]), { rtol: 1e-6, atol: 1e-7 });
  });

  it('boolean masks drop keys; a fully masked row outputs zeros', () => {
    const q = f32([1, 2, 1, 2], [1, 1, 2, 2]);
    const mask = Tensor.fromValues('bool', [2, 3], [true, false, true, false, false, false]);
    const [y] = attention({ ...base, scale: 1 }, [q, k, v, mask]);
    expectTensorClose(y!, f32([...attend([1, 2], K, V, 1, [true, false, true]), 0, 0], [1, 1, 2, 2]), { rtol: 1e-6, atol: 1e-7 });
  });

  it('grouped KV heads: query heads 0,1 share KV head 0', () => {
    const q = f32([1, 2, 1, 2], [1, 2, 1, 2]);
    const [y] = attention({ ...base, scale: 1 }, [q, k, v]);
    const one = attend([1, 2], K, V, 1);
    expectTensorClose(y!, f32([...one, ...one], [1, 2, 1, 2]), { rtol: 1e-6, atol: 1e-7 });
  });

  it('rejects Q and K with different head sizes', () => {
    expect(() => attention(base, [f32([1, 2, 3], [1, 1, 1, 3]), k, v])).toThrow(/disagree/);
  });
});

describe('RotaryEmbedding plugin', () => {
  const rotary = (fields: Record<string, PluginFieldValue>, inputs: (Tensor | undefined)[]) =>
    runLayer('plugin', { namespace: 'kiln', name: 'RotaryEmbedding', version: '1', fields }, inputs)[0]!;

  it('rotates half-split pairs by the cached angle, looked up by position id', () => {
    const x = f32([1, 2, 3, 4], [1, 1, 1, 4]);
    const cos = f32([1, 1, 0, 0], [2, 2]);
    const sin = f32([0, 0, 1, 1], [2, 2]);
    // position 1: cos 0, sin 1 → (x1, x2) = ([1,2], [3,4]) becomes (-x2, x1).
    const y = rotary({ interleaved: false, numHeads: 0, rotaryDim: 0 }, [x, cos, sin, Tensor.fromValues('int64', [1, 1], [1])]);
    expectTensorClose(y, f32([-3, -4, 1, 2], [1, 1, 1, 4]), { rtol: 0, atol: 1e-12 });
  });

  it('interleaved pairs and a partial rotary dim on 3-D input', () => {
    const x = f32([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 8]);
    const cos = f32([0], [1, 1, 1]);
    const sin = f32([1], [1, 1, 1]);
    const y = rotary({ interleaved: true, numHeads: 2, rotaryDim: 2 }, [x, cos, sin]);
    expectTensorClose(y, f32([-2, 1, 3, 4, -6, 5, 7, 8], [1, 1, 8]), { rtol: 0, atol: 1e-12 });
  });
});
