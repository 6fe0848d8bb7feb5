import { Tensor } from '@kiln-inference/core';
import { expectTensorClose } from '@kiln-inference/testkit';
import { describe, expect, it } from 'vitest';
import { a, runOp } from './tf-test-graph.js';
import { fromTf, tf, toTf } from './tfjs-oracle.js';

const close = { rtol: 1e-6, atol: 1e-6 };
const f32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('float32', shape, values);
const i32 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('int32', shape, values);
const i64 = (shape: number[], values: number[]): Tensor => Tensor.fromValues('int64', shape, values);
const w = (t: Tensor): { weight: Tensor } => ({ weight: t });
const strings = (shape: number[], values: string[]): Tensor => Tensor.fromValues('string', shape, values);
const flat = (t: Tensor): number[] => Array.from(t.toFloat64());
const tfFlat = (t: tf.Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>, Number);

describe('TF SparseFillEmptyRows', () => {
  it('fills empty rows with the default and maps entries back, rows out of order', () => {
    const indices = [2, 1, 0, 0, 2, 0, 4, 3];
    const values = [5, 6, 7, 8];
    const [oi, ov, empty, reverse] = runOp(
      'SparseFillEmptyRows',
      [i64([4, 2], indices), f32([4], values), i64([2], [6, 4]), f32([], [-1])],
      {},
      4,
    );
    const ref = tf.sparse.sparseFillEmptyRows(
      tf.tensor2d(indices, [4, 2], 'int32'),
      tf.tensor1d(values),
      tf.tensor1d([6, 4], 'int32'),
      tf.scalar(-1),
    );
    expect(flat(oi!)).toEqual(tfFlat(ref.outputIndices));
    expectTensorClose(ov!, fromTf(ref.outputValues), close);
    expect(empty!.toArray()).toEqual(Array.from(ref.emptyRowIndicator.dataSync(), Boolean));
    expect(flat(reverse!)).toEqual(tfFlat(ref.reverseIndexMap));
  });
});

describe('TF RaggedRange', () => {
  it('vector and broadcast scalar inputs, empty rows, negative deltas, int and float', () => {
    for (const [starts, limits, deltas, dtype] of [
      [[0, 5, 8], [3, 5, 2], [1, 2, -3], 'int32'],
      [[0.5], [2.1, 0, 4], [0.5, 1, 1.5], 'float32'],
    ] as const) {
      const mk = (v: readonly number[]): Tensor => Tensor.fromValues(dtype, v.length === 1 ? [] : [v.length], [...v]);
      const [splits, values] = runOp('RaggedRange', [mk(starts), mk(limits), mk(deltas)], { Tsplits: a.type('int32') }, 2);
      const tt = (v: readonly number[]): tf.Tensor => (v.length === 1 ? tf.scalar(v[0]!, dtype) : tf.tensor1d([...v], dtype));
      const ref = tf.raggedRange(tt(starts), tt(limits), tt(deltas));
      expect(splits!.toArray()).toEqual(tfFlat(ref.rtNestedSplits));
      expectTensorClose(values!, fromTf(ref.rtDenseValues), close);
    }
    expect(() => runOp('RaggedRange', [i32([], [0]), i32([], [3]), i32([], [0])], {}, 2)).toThrow(/non-zero step/);
  });
});

describe('TF RaggedTensorToTensor', () => {
  const values = f32([6, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

  const outer = i32([4], [0, 2, 2, 3]);
  const innerSplits = i32([4], [0, 1, 4, 6]);

  // TF.js 4.22 checks shape[2] against the inner dim of rank-4 shapes, so these keep it at 2.
  it('two ROW_SPLITS levels with explicit (padding and truncating) shapes', () => {
    for (const shape of [
      [2, 3, 2, 2],
      [4, 1, 2, 2],
      [3, 2, 2, 2],
    ]) {
      const r = runOp('RaggedTensorToTensor', [w(i32([4], shape)), values, f32([], [-1]), outer, innerSplits], {
        row_partition_types: a.strings(['ROW_SPLITS', 'ROW_SPLITS']),
      })[0]!;
      const ref = tf.raggedTensorToTensor(
        tf.tensor1d(shape, 'int32'),
        toTf(values),
        tf.scalar(-1),
        [toTf(outer), toTf(innerSplits)],
        ['ROW_SPLITS', 'ROW_SPLITS'],
      );
      expectTensorClose(r, fromTf(ref), close);
    }
  });

  it('infers each dim as the longest row (TF to_tensor semantics), default per inner element', () => {
    const r = runOp('RaggedTensorToTensor', [w(i32([4], [-1, -1, -1, 2])), values, f32([2], [0, -5]), outer, innerSplits], {
      row_partition_types: a.strings(['ROW_SPLITS', 'ROW_SPLITS']),
    })[0]!;
    // Rows: [[v0], [v1, v2, v3]], [], [[v4, v5]]. TF.js 4.22 is no oracle here: it infers the
    // inner width as 2 and ignores a vector default.
    const z = [0, -5];
    const v = (i: number): number[] => [2 * i + 1, 2 * i + 2];
    const expected = [v(0), z, z, v(1), v(2), v(3), z, z, z, z, z, z, v(4), v(5), z, z, z, z].flat();
    expectTensorClose(r, f32([3, 2, 3, 2], expected), close);
  });

  it('FIRST_DIM_SIZE with VALUE_ROWIDS and a scalar default', () => {
    const flatValues = f32([5], [1, 2, 3, 4, 5]);
    const rowIds = i32([5], [0, 0, 2, 2, 3]);
    const r = runOp('RaggedTensorToTensor', [w(i32([], [-1])), flatValues, f32([], [9]), i32([], [5]), rowIds], {
      row_partition_types: a.strings(['FIRST_DIM_SIZE', 'VALUE_ROWIDS']),
    })[0]!;
    // A scalar -1 shape means "infer every dim"; TF.js wants the rank spelled out.
    const ref = tf.raggedTensorToTensor(
      tf.tensor1d([-1, -1], 'int32'),
      toTf(flatValues),
      tf.scalar(9),
      [tf.scalar(5, 'int32'), toTf(rowIds)],
      ['FIRST_DIM_SIZE', 'VALUE_ROWIDS'],
    );
    expectTensorClose(r, fromTf(ref), close);
    expect(() =>
      runOp('RaggedTensorToTensor', [w(i32([], [-1])), flatValues, f32([], [9]), i32([3], [0, 2, 7])], {
        row_partition_types: a.strings(['ROW_SPLITS']),
      }),
    ).toThrow(/rise from 0/);
  });
});

describe('TF string ops', () => {
  it('StringSplit on each delimiter character, with and without skip_empty', () => {
    const input = ['a b  c', '', 'd,e', 'f'];
    for (const skipEmpty of [true, false]) {
      const [idx, values, shape] = runOp('StringSplit', [strings([4], input), strings([], [' ,'])], { skip_empty: a.b(skipEmpty) }, 3);
      const ref = tf.string.stringSplit(tf.tensor1d(input, 'string') as tf.Tensor1D, tf.scalar(' ,', 'string'), skipEmpty);
      expect(flat(idx!)).toEqual(tfFlat(ref.indices));
      expect(values!.toArray()).toEqual(ref.values.arraySync());
      expect(flat(shape!)).toEqual(tfFlat(ref.shape));
    }
  });

  it('StringSplit with an empty delimiter splits characters', () => {
    const [, values] = runOp('StringSplit', [strings([1], ['héj']), strings([], [''])], {}, 3);
    expect(values!.toArray()).toEqual(['h', 'é', 'j']);
  });

  it('StaticRegexReplace, global or first match, with RE2 group rewrites', () => {
    const input = strings([3], ['aa-bb-cc', 'x', '1-2']);
    const all = runOp('StaticRegexReplace', [input], { pattern: a.s('-'), rewrite: a.s('+') })[0]!;
    expect(all.toArray()).toEqual(tf.string.staticRegexReplace(tf.tensor1d(['aa-bb-cc', 'x', '1-2'], 'string'), '-', '+').arraySync());
    const first = runOp('StaticRegexReplace', [input], { pattern: a.s('-'), rewrite: a.s('+'), replace_global: a.b(false) })[0]!;
    expect(first.toArray()).toEqual(
      tf.string.staticRegexReplace(tf.tensor1d(['aa-bb-cc', 'x', '1-2'], 'string'), '-', '+', false).arraySync(),
    );
    // RE2 names groups \1 and the whole match \0; a literal $ stays literal.
    const swapped = runOp('StaticRegexReplace', [input], { pattern: a.s('(\\w+)-(\\w+)'), rewrite: a.s('\\2$\\1<\\0>') })[0]!;
    expect(swapped.toArray()).toEqual(['bb$aa<aa-bb>-cc', 'x', '2$1<1-2>']);
    expect(() => runOp('StaticRegexReplace', [input], { pattern: a.s('(') })).toThrow(/does not compile/);
  });

  it('StringNGrams with padding, fixed and dynamic pad widths, and short sequences kept', () => {
    const tokens = ['a', 'b', 'c', 'd', 'e', 'f'];
    const splits = [0, 2, 2, 3, 6];
    for (const [widths, padWidth, preserve] of [
      [[1, 2], -1, false],
      [[3], 1, true],
      [[2, 4], 0, true],
      [[4], -1, false],
    ] as const) {
      const [grams, gramSplits] = runOp(
        'StringNGrams',
        [strings([6], tokens), i32([5], splits)],
        {
          separator: a.s('|'),
          ngram_widths: a.ints([...widths]),
          left_pad: a.s('<'),
          right_pad: a.s('>'),
          pad_width: a.i(padWidth),
          preserve_short_sequences: a.b(preserve),
        },
        2,
      );
      const ref = tf.string.stringNGrams(tokens, tf.tensor1d(splits, 'int32'), '|', [...widths], '<', '>', padWidth, preserve);
      expect(grams!.toArray()).toEqual(ref.nGrams!.arraySync());
      expect(flat(gramSplits!)).toEqual(tfFlat(ref.nGramsSplits!));
    }
    expect(() => runOp('StringNGrams', [strings([2], ['a', 'b']), i32([2], [0, 3])], { ngram_widths: a.ints([1]) }, 2)).toThrow(
      /data_splits/,
    );
  });
});
