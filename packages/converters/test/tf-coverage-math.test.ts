import { resourceLimits, Tensor, withResourceLimits } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { a, runOp } from './tf-test-graph.js';
import { fromTf, tf, toTf } from './tfjs-oracle.js';

const close = { rtol: 1e-5, atol: 1e-6 };
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const i32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('int32', shape, values);
const w = (t: Tensor): { weight: Tensor } => ({ weight: t });

describe('TF elementwise ops defined by cases', () => {
  it('DivNoNan is 0 where the divisor is 0, with broadcasting', () => {
    const x = f32([2, 3], [1, -2, 3, 4, 5, -6]);
    const y = f32([3], [2, 0, -4]);
    expectTensorClose(runOp('DivNoNan', [x, y])[0]!, fromTf(tf.divNoNan(toTf(x), toTf(y))), close);
  });

  it('Atan2 covers all four quadrants, the axes and the origin', () => {
    const y = f32([9], [1, 1, -1, -1, 0, 0, 2, -2, 0]);
    const x = f32([9], [1, -1, -1, 1, -3, 3, 0, 0, 0]);
    expectTensorClose(runOp('Atan2', [y, x])[0]!, fromTf(tf.atan2(toTf(y), toTf(x))), close);
  });

  it('Mod is the truncating remainder (C semantics) for floats and ints', () => {
    const x = f32([4], [7, -7, 7.5, -7.5]);
    const y = f32([4], [3, 3, -2, 2]);
    expectTensorClose(runOp('Mod', [x, y])[0]!, f32([4], [1, -1, 1.5, -1.5]), close);
    // Where signs agree, TF.js's (floor) mod is the same remainder.
    const p = f32([3], [7, 8.5, 1]);
    const q = f32([3], [3, 2, 4]);
    expectTensorClose(runOp('Mod', [p, q])[0]!, fromTf(tf.mod(toTf(p), toTf(q))), close);
    expect(runOp('Mod', [i32([2], [-7, 7]), i32([2], [3, -3])])[0]!.toArray()).toEqual([-1, 1]);
  });
});

describe('TF creation ops', () => {
  it('LinSpace matches tf.linspace, including num = 1', () => {
    const r = runOp('LinSpace', [f32([], [-1]), f32([], [2]), w(i32([], [7]))], { Tidx: a.type('int32') })[0]!;
    expectTensorClose(r, fromTf(tf.linspace(-1, 2, 7)), close);
    expectTensorClose(runOp('LinSpace', [f32([], [5]), f32([], [9]), i32([], [1])])[0]!, f32([1], [5]), close);
  });

  it('Ones and Zeros fill a shape with the dtype attribute', () => {
    expectTensorClose(runOp('Ones', [w(i32([2], [2, 3]))], { dtype: a.type('float32') })[0]!, fromTf(tf.ones([2, 3])), close);
    const z = runOp('Zeros', [i32([1], [4])], { dtype: a.type('int32') })[0]!;
    expect(z.dtype).toBe('int32');
    expect(z.toArray()).toEqual([0, 0, 0, 0]);
  });

  it('RandomUniformInt draws integers in [minval, maxval), reproducibly with a seed', () => {
    const run = (): Tensor =>
      runOp('RandomUniformInt', [w(i32([1], [2000])), w(i32([], [-3])), w(i32([], [4]))], { seed: a.i(7), Tout: a.type('int32') })[0]!;
    const r = run();
    expect(r.dtype).toBe('int32');
    const v = r.toArray() as number[];
    expect(v.every((x) => Number.isInteger(x) && x >= -3 && x < 4)).toBe(true);
    expect(new Set(v).size).toBe(7);
    expect(run().toArray()).toEqual(v);
  });

  it('TruncatedNormal stays within two standard deviations with mean ≈ 0', () => {
    const v = Array.from(runOp('TruncatedNormal', [w(i32([1], [4000]))], { seed: a.i(3), dtype: a.type('float32') })[0]!.toFloat64());
    expect(v.every((x) => Math.abs(x) <= 2)).toBe(true);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
    expect(Math.abs(mean)).toBeLessThan(0.06);
    // The variance of a standard normal truncated at ±2 is 0.7737.
    expect(variance).toBeCloseTo(0.774, 1);
  });

  it('Multinomial draws classes by softmax(logits); -inf logits are never drawn', () => {
    const logits = f32([2, 3], [0, Math.log(3), Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, Number.NEGATIVE_INFINITY]);
    const r = runOp('Multinomial', [logits, w(i32([], [4000]))], { seed: a.i(5), output_dtype: a.type('int32') })[0]!;
    const v = r.toArray() as number[];
    const row0 = v.slice(0, 4000);
    expect(row0.every((k) => k === 0 || k === 1)).toBe(true);
    expect(row0.filter((k) => k === 1).length / 4000).toBeCloseTo(0.75, 1);
    expect(v.slice(4000).every((k) => k === 1)).toBe(true);
  });
});

describe('TF set and search ops', () => {
  it('Unique keeps first-occurrence order and returns the inverse index', () => {
    const x = f32([7], [4, 1, 4, 2, 1, 9, 2]);
    const [y, idx] = runOp('Unique', [x], { out_idx: a.type('int32') }, 2);
    const ref = tf.unique(toTf(x));
    expectTensorClose(y!, fromTf(ref.values), close);
    expect(idx!.toArray()).toEqual(Array.from(ref.indices.dataSync()));
  });

  it('UniqueV2 finds unique rows along an axis', () => {
    const x = i32([3, 2], [1, 2, 3, 4, 1, 2]);
    const [y, idx] = runOp('UniqueV2', [x, w(i32([1], [0]))], {}, 2);
    const ref = tf.unique(toTf(x), 0);
    expect(y!.toArray()).toEqual(Array.from(ref.values.dataSync()));
    expect(y!.shape).toEqual(ref.values.shape);
    expect(idx!.toArray()).toEqual(Array.from(ref.indices.dataSync()));
  });

  it('ListDiff keeps x order and duplicates', async () => {
    const x = i32([7], [1, 2, 3, 4, 3, 5, 2]);
    const y = i32([2], [3, 1]);
    const [o, idx] = runOp('ListDiff', [x, y], {}, 2);
    const [ro, ridx] = await tf.setdiff1dAsync(toTf(x), toTf(y));
    expect(o!.toArray()).toEqual(Array.from(ro.dataSync()));
    expect(idx!.toArray()).toEqual(Array.from(ridx.dataSync()));
  });

  it('LowerBound and UpperBound search each row', () => {
    const sorted = f32([2, 4], [1, 2, 2, 5, 0, 3, 6, 9]);
    const values = f32([2, 3], [2, 0, 7, 3, 10, -1]);
    const lower = runOp('LowerBound', [sorted, values], { out_type: a.type('int32') })[0]!;
    const upper = runOp('UpperBound', [sorted, values], { out_type: a.type('int32') })[0]!;
    expect(lower.toArray()).toEqual(Array.from(tf.lowerBound(toTf(sorted), toTf(values)).dataSync()));
    expect(upper.toArray()).toEqual(Array.from(tf.upperBound(toTf(sorted), toTf(values)).dataSync()));
  });

  it('Bincount and DenseBincount count or sum weights, dropping values ≥ size', () => {
    const x = i32([6], [1, 1, 3, 0, 7, 3]);
    const weights = f32([6], [0.5, 1, 2, 3, 9, 4]);
    expectTensorClose(
      runOp('Bincount', [x, w(i32([], [5])), weights], { T: a.type('float32') })[0]!,
      fromTf(tf.bincount(toTf(x) as tf.Tensor1D, toTf(weights) as tf.Tensor1D, 5)),
      close,
    );
    const m = i32([2, 3], [0, 2, 2, 1, 1, 4]);
    const dense = runOp('DenseBincount', [m, w(i32([], [4])), f32([0], [])], { T: a.type('int32'), binary_output: a.b(true) })[0]!;
    expect(dense.toArray()).toEqual(
      Array.from(tf.denseBincount(toTf(m) as tf.Tensor2D, tf.tensor2d([], [0, 0], 'int32'), 4, true).dataSync()),
    );
    expect(() => runOp('Bincount', [i32([1], [-1]), w(i32([], [3])), f32([0], [])], { T: a.type('float32') })).toThrow(/negative/);
    // A size from the model is checked against the resource limits before anything is allocated.
    const small = resourceLimits({ maxTensorElements: 1000 });
    expect(() =>
      withResourceLimits(small, () => runOp('Bincount', [i32([1], [1]), i32([], [100_000]), f32([0], [])], { T: a.type('float32') })),
    ).toThrow(/maxTensorElements/);
  });

  it('BroadcastArgs broadcasts two shapes and rejects incompatible ones', () => {
    const r = runOp('BroadcastArgs', [i32([3], [5, 1, 3]), i32([2], [4, 1])])[0]!;
    expect(r.toArray()).toEqual(Array.from(tf.broadcastArgs(tf.tensor1d([5, 1, 3], 'int32'), tf.tensor1d([4, 1], 'int32')).dataSync()));
    expect(() => runOp('BroadcastArgs', [i32([1], [2]), i32([1], [3])])).toThrow(/broadcast/);
  });
});

describe('TF scatters and reverse', () => {
  it('ScatterNd sums duplicates onto zeros', () => {
    const indices = i32([3, 1], [4, 1, 4]);
    const updates = f32([3], [9, 10, 11]);
    const r = runOp('ScatterNd', [indices, updates, w(i32([1], [6]))])[0]!;
    expectTensorClose(r, fromTf(tf.scatterND(toTf(indices), toTf(updates), [6])), close);
  });

  it('TensorScatterUpdate replaces rows of a tensor', () => {
    const t = f32([3, 2], [1, 2, 3, 4, 5, 6]);
    const indices = i32([1, 1], [2]);
    const updates = f32([1, 2], [-1, -2]);
    const r = runOp('TensorScatterUpdate', [t, indices, updates])[0]!;
    expectTensorClose(r, fromTf(tf.tensorScatterUpdate(toTf(t), toTf(indices), toTf(updates))), close);
  });

  it('SparseToDense writes values (or one broadcast value) over a default', () => {
    const indices = i32([2, 2], [0, 1, 2, 0]);
    const r = runOp('SparseToDense', [w(indices), w(i32([2], [3, 2])), f32([2], [5, 6]), f32([], [-1])])[0]!;
    expectTensorClose(r, fromTf(tf.sparseToDense(toTf(indices), tf.tensor1d([5, 6]), [3, 2], tf.scalar(-1))), close);
    const flat = runOp('SparseToDense', [w(i32([2], [1, 3])), w(i32([1], [4])), f32([], [7]), f32([], [0])])[0]!;
    expectTensorClose(flat, f32([4], [0, 7, 0, 7]), close);
  });

  it('Reverse flips the axes flagged true', () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    const dims = Tensor.fromValues('bool', [2], [false, true]);
    expectTensorClose(runOp('Reverse', [x, w(dims)])[0]!, fromTf(tf.reverse(toTf(x), 1)), close);
  });

  it('Print passes its first input through', () => {
    const x = f32([2], [3, 4]);
    expectTensorClose(runOp('Print', [x, x])[0]!, x, close);
  });
});
