import { ErrorCode, isKilnError, type LayerParamsMap } from '@kiln-inference/core';
import { expectTensorClose, randomTensor } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { f32, runLayer } from './layer-harness.js';

type NormParams = LayerParamsMap['normalization'];
const norm = (p: Partial<NormParams>): NormParams => ({ axes: [], epsilon: 0, numGroups: 1, channelAxis: 1, kind: 'layer', ...p });

/** (v - mean) / sqrt(var + eps) over a plain list. */
function standardize(v: number[], eps: number): number[] {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return v.map((x) => (x - mean) / Math.sqrt(variance + eps));
}

describe('normalization kernel', () => {
  it('instance norm: per (n, c) statistics, per-channel scale and bias', () => {
    const x = f32([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 4]);
    const y = runLayer('normalization', norm({ kind: 'instance', axes: [2], epsilon: 1e-5 }), [x, f32([2, 1]), f32([0, 5])])[0]!;
    const a = standardize([1, 2, 3, 4], 1e-5).map((v) => 2 * v);
    const b = standardize([10, 20, 30, 40], 1e-5).map((v) => v + 5);
    expectTensorClose(y, f32([...a, ...b], [1, 2, 4]), { rtol: 1e-6, atol: 1e-6 });
    // Without listed axes, instance norm reduces everything after the channel axis.
    const z = runLayer('normalization', norm({ kind: 'instance', epsilon: 1e-5 }), [x, f32([2, 1]), f32([0, 5])])[0]!;
    expectTensorClose(z, y, { rtol: 0, atol: 0 });
  });

  it('layer norm over trailing axes with broadcast scale, and mean / inv-std outputs', () => {
    const x = randomTensor('float32', [2, 3, 4], 1);
    const scale = randomTensor('float32', [4], 2);
    const [y, mean, invStd] = runLayer('normalization', norm({ axes: [-1], epsilon: 1e-5, stashType: 'float32' }), [x, scale], 3);
    const xs = Array.from(x.toFloat64());
    const ss = Array.from(scale.toFloat64());
    const expected: number[] = [];
    for (let r = 0; r < 6; r++) expected.push(...standardize(xs.slice(r * 4, r * 4 + 4), 1e-5).map((v, i) => v * ss[i]!));
    expectTensorClose(y!, f32(expected, [2, 3, 4]), { rtol: 1e-5, atol: 1e-6 });
    expect(mean!.shape).toEqual([2, 3, 1]);
    expectTensorClose(
      mean!,
      f32(
        Array.from({ length: 6 }, (_, r) => xs.slice(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0) / 4),
        [2, 3, 1],
      ),
      { rtol: 1e-6, atol: 1e-7 },
    );
    expect(invStd!.shape).toEqual([2, 3, 1]);
  });

  it('group norm splits channels into groups; per-group scale (opset 18) is accepted', () => {
    const x = f32([1, 2, 3, 4, 5, 6, 7, 8], [1, 4, 2]);
    const perChannel = runLayer('normalization', norm({ kind: 'group', numGroups: 2, epsilon: 1e-5 }), [
      x,
      f32([1, 1, 3, 3]),
      f32([0, 0, 1, 1]),
    ])[0]!;
    const perGroup = runLayer('normalization', norm({ kind: 'group', numGroups: 2, epsilon: 1e-5 }), [x, f32([1, 3]), f32([0, 1])])[0]!;
    const g0 = standardize([1, 2, 3, 4], 1e-5);
    const g1 = standardize([5, 6, 7, 8], 1e-5).map((v) => 3 * v + 1);
    expectTensorClose(perChannel, f32([...g0, ...g1], [1, 4, 2]), { rtol: 1e-6, atol: 1e-6 });
    expectTensorClose(perGroup, perChannel, { rtol: 0, atol: 0 });
  });

  it('rms norm divides by the root mean square without centring', () => {
    const x = f32([3, 4], [1, 2]);
    const y = runLayer('normalization', norm({ kind: 'rms', axes: [1], epsilon: 0 }), [x, f32([1, 2])])[0]!;
    const rms = Math.sqrt(12.5);
    expectTensorClose(y, f32([3 / rms, 8 / rms], [1, 2]), { rtol: 1e-6, atol: 0 });
  });

  it('batch statistics over N and spatial axes', () => {
    const x = f32([1, 2, 10, 20, 3, 4, 30, 40], [2, 2, 2]);
    const y = runLayer('normalization', norm({ kind: 'batch', axes: [0, 2], epsilon: 0 }), [x])[0]!;
    const c0 = standardize([1, 2, 3, 4], 0);
    const c1 = standardize([10, 20, 30, 40], 0);
    expectTensorClose(y, f32([c0[0]!, c0[1]!, c1[0]!, c1[1]!, c0[2]!, c0[3]!, c1[2]!, c1[3]!], [2, 2, 2]), { rtol: 1e-6, atol: 1e-6 });
  });

  it('rejects channel counts that do not split into the groups', () => {
    let err: unknown;
    try {
      runLayer('normalization', norm({ kind: 'group', numGroups: 3 }), [f32([1, 2, 3, 4], [1, 4, 1])]);
    } catch (e) {
      err = e;
    }
    expect(isKilnError(err, ErrorCode.INVALID_ATTRIBUTE)).toBe(true);
  });
});
