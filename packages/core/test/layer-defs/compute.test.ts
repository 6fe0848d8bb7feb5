import { describe, expect, it } from 'vitest';
import { type ConvolutionParams, ErrorCode } from '../../src/index.js';
import { COMPUTE_DEFS as D } from '../../src/layer-defs/compute.js';
import { infer, t, thrown } from './infer-helpers.js';

const conv = (p: Partial<ConvolutionParams> = {}): ConvolutionParams => ({
  kernelShape: [],
  strides: [],
  padsBegin: [],
  padsEnd: [],
  dilations: [],
  groups: 1,
  paddingMode: 'explicit',
  ...p,
});

const pool = {
  type: 'max' as const,
  global: false,
  window: [3, 3],
  strides: [2, 2],
  padsBegin: [1, 1],
  padsEnd: [1, 1],
  dilations: [],
  paddingMode: 'explicit' as const,
  ceilMode: false,
  countIncludePad: false,
};

describe('compute LayerDefs', () => {
  it('convolution: 1x3x224x224, 7x7 stride 2 pad 3 → 1x64x112x112', () => {
    const p = conv({ kernelShape: [7, 7], strides: [2, 2], padsBegin: [3, 3], padsEnd: [3, 3] });
    const [y] = infer(D.convolution, p, [t('float32', [1, 3, 224, 224]), t('float32', [64, 3, 7, 7]), t('float32', [64])]);
    expect(y).toEqual({ dtype: 'float32', shape: [1, 64, 112, 112] });
  });

  it('convolution keeps batch and SAME stride-1 spatial symbols, nulls strided ones', () => {
    const w = t('float32', [32, 16, 3, 3]);
    expect(
      infer(D.convolution, conv({ padsBegin: [1, 1], padsEnd: [1, 1] }), [t('float32', ['batch', 16, 'h', 'w']), w])[0]!.shape,
    ).toEqual(['batch', 32, 'h', 'w']);
    expect(
      infer(D.convolution, conv({ strides: [2, 2], paddingMode: 'same_upper' }), [t('float32', ['batch', 16, 'h', 9]), w])[0]!.shape,
    ).toEqual(['batch', 32, null, 5]);
  });

  it('convolution handles groups, channels_last and rejects mismatched channels', () => {
    // Depthwise: 32 groups of one channel.
    expect(infer(D.convolution, conv({ groups: 32 }), [t('float32', [1, 32, 10, 10]), t('float32', [32, 1, 3, 3])])[0]!.shape).toEqual([
      1, 32, 8, 8,
    ]);
    expect(
      infer(D.convolution, conv({ layout: 'channels_last' }), [t('float32', [1, 10, 10, 16]), t('float32', [8, 16, 3, 3])])[0]!.shape,
    ).toEqual([1, 8, 8, 8]);
    const e = thrown(() => infer(D.convolution, conv(), [t('float32', [1, 3, 10, 10]), t('float32', [8, 4, 3, 3])]));
    expect(e.code).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(e.layer?.name).toBe('L');
  });

  it('convolution rejects a kernel larger than its padded input and a bias of the wrong size', () => {
    const small = thrown(() => infer(D.convolution, conv(), [t('float32', [1, 3, 2, 2]), t('float32', [8, 3, 3, 3])]));
    expect(small.code).toBe(ErrorCode.INVALID_SHAPE);
    expect(small.message).toMatch(/layer 'L' \(convolution\): a window of span 3 does not fit a dim of size 2/);
    const bias = thrown(() => infer(D.convolution, conv(), [t('float32', [1, 3, 5, 5]), t('float32', [8, 3, 3, 3]), t('float32', [4])]));
    expect(bias.code).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(thrown(() => infer(D.convolution, conv({ strides: [1] }), [t('float32', [1, 3, 5, 5]), t('float32', [8, 3, 3, 3])])).code).toBe(
      ErrorCode.INVALID_ATTRIBUTE,
    );
  });

  it('deconvolution: stride·(in−1) + outputPadding + k − pads, output_shape and SAME', () => {
    const w = t('float32', [16, 8, 4, 4]);
    const x = t('float32', [1, 16, 10, 10]);
    const p = { ...conv({ strides: [2, 2], padsBegin: [1, 1], padsEnd: [1, 1] }), outputPadding: [] };
    expect(infer(D.deconvolution, p, [x, w])[0]).toEqual({ dtype: 'float32', shape: [1, 8, 20, 20] });
    expect(infer(D.deconvolution, { ...p, outputPadding: [1, 0] }, [x, w])[0]!.shape).toEqual([1, 8, 21, 20]);
    expect(infer(D.deconvolution, { ...p, outputShape: [19, 18] }, [x, w])[0]!.shape).toEqual([1, 8, 19, 18]);
    expect(infer(D.deconvolution, { ...p, paddingMode: 'same_upper' }, [x, w])[0]!.shape).toEqual([1, 8, 20, 20]);
    // Grouped: out channels = w[1]·groups.
    expect(infer(D.deconvolution, { ...p, groups: 2 }, [x, w])[0]!.shape).toEqual([1, 16, 20, 20]);
    expect(infer(D.deconvolution, p, [t('float32', ['n', 16, 'h', 10]), w])[0]!.shape).toEqual(['n', 8, null, 20]);
    expect(thrown(() => infer(D.deconvolution, p, [t('float32', [1, 4, 10, 10]), w])).code).toBe(ErrorCode.SHAPE_MISMATCH);
  });

  it('pooling: windowed, ceil mode, global and the int64 indices output', () => {
    expect(infer(D.pooling, pool, [t('float32', [1, 64, 112, 112])])[0]!.shape).toEqual([1, 64, 56, 56]);
    const ceil = { ...pool, padsBegin: [0, 0], padsEnd: [0, 0], ceilMode: true };
    expect(infer(D.pooling, ceil, [t('float32', [1, 8, 6, 6])])[0]!.shape).toEqual([1, 8, 3, 3]);
    expect(infer(D.pooling, { ...ceil, ceilMode: false }, [t('float32', [1, 8, 6, 6])])[0]!.shape).toEqual([1, 8, 2, 2]);
    expect(infer(D.pooling, { ...pool, global: true, window: [] }, [t('float16', ['n', 8, 'h', 'w'])])[0]).toEqual({
      dtype: 'float16',
      shape: ['n', 8, 1, 1],
    });
    const [y, idx] = infer(D.pooling, pool, [t('float32', [2, 4, 8, 8])], 2);
    expect(y!.shape).toEqual([2, 4, 4, 4]);
    expect(idx).toEqual({ dtype: 'int64', shape: [2, 4, 4, 4] });
    expect(thrown(() => infer(D.pooling, pool, [t('float32', [1, 8])])).code).toBe(ErrorCode.INVALID_SHAPE);
  });

  it('matrix_multiply: batch broadcasting, transposes, vectors and symbols', () => {
    const mm = { transposeA: false, transposeB: false };
    expect(infer(D.matrix_multiply, mm, [t('float32', ['b', 1, 5, 3]), t('float32', [4, 3, 7])])[0]!.shape).toEqual(['b', 4, 5, 7]);
    expect(
      infer(D.matrix_multiply, { transposeA: true, transposeB: true }, [t('float32', [3, 5]), t('float32', [7, 3])])[0]!.shape,
    ).toEqual([5, 7]);
    expect(infer(D.matrix_multiply, mm, [t('float32', [3]), t('float32', [3, 7])])[0]!.shape).toEqual([7]);
    expect(infer(D.matrix_multiply, mm, [t('float32', [2, 5, 3]), t('float32', [3])])[0]!.shape).toEqual([2, 5]);
    expect(infer(D.matrix_multiply, mm, [t('float32', ['seq', 'k']), t('float32', [64, 32])])[0]!.shape).toEqual(['seq', 32]);
    const e = thrown(() => infer(D.matrix_multiply, mm, [t('float32', [2, 3]), t('float32', [4, 5])]));
    expect(e.code).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(e.message).toMatch(/inner dims differ: \[2,3\] × \[4,5\]/);
    expect(thrown(() => infer(D.matrix_multiply, mm, [t('float32', [2, 3]), t('int8', [3, 5])])).code).toBe(ErrorCode.INVALID_DTYPE);
  });

  it('einsum: explicit, implicit, ellipsis and label mismatches', () => {
    const e = (equation: string, ...shapes: (readonly (number | string)[])[]) =>
      infer(
        D.einsum,
        { equation },
        shapes.map((s) => t('float32', s)),
      )[0]!.shape;
    expect(e('ij,jk->ik', [2, 3], [3, 4])).toEqual([2, 4]);
    expect(e('ij,jk', [2, 3], [3, 4])).toEqual([2, 4]);
    expect(e('ii->i', [5, 5])).toEqual([5]);
    expect(e('bij,bjk->bik', ['n', 2, 3], ['n', 3, 4])).toEqual(['n', 2, 4]);
    expect(e('...ij,...jk->...ik', [7, 1, 2, 3], [6, 3, 4])).toEqual([7, 6, 2, 4]);
    expect(e('i,i->', [3], [3])).toEqual([]);
    expect(e('ba', [2, 3])).toEqual([3, 2]);
    expect(thrown(() => e('ij,jk->ik', [2, 3], [4, 4])).message).toMatch(/label 'j' has sizes 3 and 4/);
    expect(thrown(() => e('ij->ik', [2, 3])).code).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(thrown(() => e('ijk->i', [2, 3])).message).toMatch(/3 labels for a rank-2 operand/);
  });
});
