import { describe, expect, it } from 'vitest';
import { ErrorCode, Tensor } from '../../src/index.js';
import { REDUCTION_DEFS as D } from '../../src/layer-defs/reduction.js';
import { infer, t, thrown } from './infer-helpers.js';

const i64 = (values: bigint[], shape = [values.length]) => Tensor.fromValues('int64', shape, values);

describe('reduction LayerDefs', () => {
  it('reduce over param axes, with and without keepDims', () => {
    const x = t('float32', ['n', 3, 'h', 'w']);
    expect(infer(D.reduce, { op: 'mean', axes: [2, 3], keepDims: true }, [x])[0]).toEqual({ dtype: 'float32', shape: ['n', 3, 1, 1] });
    expect(infer(D.reduce, { op: 'sum', axes: [-1], keepDims: false }, [x])[0]!.shape).toEqual(['n', 3, 'h']);
    expect(infer(D.reduce, { op: 'max', axes: null, keepDims: false }, [x])[0]!.shape).toEqual([]);
    expect(infer(D.reduce, { op: 'max', axes: [], keepDims: true, noopWithEmptyAxes: true }, [x])[0]!.shape).toEqual(x.shape);
    expect(thrown(() => infer(D.reduce, { op: 'sum', axes: [4], keepDims: true }, [x])).code).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });

  it('reduce with an axes input: known value, unknown value, empty', () => {
    const x = t('float32', [2, 3, 4]);
    expect(infer(D.reduce, { op: 'sum', axes: null, keepDims: false }, [x, t('int64', [1], i64([1n]))])[0]!.shape).toEqual([2, 4]);
    expect(infer(D.reduce, { op: 'sum', axes: null, keepDims: true }, [x, t('int64', [1])])[0]!.shape).toEqual([null, null, null]);
    expect(infer(D.reduce, { op: 'sum', axes: null, keepDims: false }, [x, t('int64', [1])])[0]!.shape).toBeNull();
    expect(infer(D.reduce, { op: 'sum', axes: null, keepDims: false }, [x, t('int64', [0], i64([]))])[0]!.shape).toEqual([]);
  });

  it('reduce follows integer shape arithmetic (ReduceProd of a shape)', () => {
    const [prod] = infer(D.reduce, { op: 'prod', axes: null, keepDims: true }, [t('int64', [3], i64([2n, 3n, 4n]))]);
    expect(prod!.shape).toEqual([1]);
    expect(prod!.value?.toArray()).toEqual([24n]);
    const [rows] = infer(D.reduce, { op: 'sum', axes: [1], keepDims: false }, [t('int64', [2, 2], i64([1n, 2n, 3n, 4n], [2, 2]))]);
    expect(rows!.value?.toArray()).toEqual([3n, 7n]);
    expect(infer(D.reduce, { op: 'mean', axes: null, keepDims: false }, [t('int64', [2], i64([1n, 2n]))])[0]!.value).toBeUndefined();
  });

  it('arg_reduce gives int64 indices', () => {
    const p = { op: 'max' as const, axis: 1, keepDims: false, selectLastIndex: false };
    expect(infer(D.arg_reduce, p, [t('float32', ['n', 1000])])[0]).toEqual({ dtype: 'int64', shape: ['n'] });
    expect(infer(D.arg_reduce, { ...p, keepDims: true, axis: -1 }, [t('float32', [2, 5, 7])])[0]).toEqual({
      dtype: 'int64',
      shape: [2, 5, 1],
    });
    expect(thrown(() => infer(D.arg_reduce, { ...p, axis: 2 }, [t('float32', [2, 5])])).code).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });

  it('top_k: values in x dtype, int64 indices, k from a known operand or null', () => {
    const p = { axis: -1, largest: true, sorted: true };
    const [v, i] = infer(D.top_k, p, [t('float16', ['n', 100]), t('int64', [1], i64([5n]))], 2);
    expect(v).toEqual({ dtype: 'float16', shape: ['n', 5] });
    expect(i).toEqual({ dtype: 'int64', shape: ['n', 5] });
    expect(infer(D.top_k, p, [t('float32', [3, 10]), t('int64', [1])], 2)[1]).toEqual({ dtype: 'int64', shape: [3, null] });
    const e = thrown(() => infer(D.top_k, p, [t('float32', [3, 4]), t('int64', [1], i64([5n]))], 2));
    expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(e.message).toMatch(/k=5 is outside \[0, 4\]/);
  });

  it('reduce prod and sum over symbolic shape elements', () => {
    const dims = { dtype: 'int64' as const, shape: [3], dims: ['N', 1, 1] };
    expect(infer(D.reduce, { op: 'prod', axes: [0], keepDims: true }, [dims])[0]).toEqual({ dtype: 'int64', shape: [1], dims: ['N'] });
    expect(infer(D.reduce, { op: 'sum', axes: null, keepDims: false }, [dims])[0]!.dims).toEqual([null]);
  });
});
