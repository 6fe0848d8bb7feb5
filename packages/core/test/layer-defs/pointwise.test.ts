import { describe, expect, it } from 'vitest';
import { ErrorCode, Tensor } from '../../src/index.js';
import { POINTWISE_DEFS as D } from '../../src/layer-defs/pointwise.js';
import { infer, t, thrown } from './infer-helpers.js';

const i64 = (values: bigint[], shape = [values.length]) => Tensor.fromValues('int64', shape, values);

describe('pointwise LayerDefs', () => {
  it('constant outputs its tensor as a known value', () => {
    const value = Tensor.fromValues('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const [out] = infer(D.constant, { value }, []);
    expect(out).toEqual({ dtype: 'float32', shape: [2, 3], value });
  });

  it('identity passes facts through, symbolic dims and known values included', () => {
    const value = i64([1n, 2n]);
    expect(infer(D.identity, {}, [t('int64', [2], value)])[0]).toEqual({ dtype: 'int64', shape: [2], value });
    expect(infer(D.identity, {}, [t('float16', ['batch', 3])])[0]).toEqual({ dtype: 'float16', shape: ['batch', 3] });
  });

  it('cast gives params.to and converts small known integer values', () => {
    expect(infer(D.cast, { to: 'float16' }, [t('float32', ['n', 4])])[0]).toEqual({ dtype: 'float16', shape: ['n', 4] });
    const [out] = infer(D.cast, { to: 'int32' }, [t('int64', [2], i64([7n, -3n]))]);
    expect(out!.dtype).toBe('int32');
    expect(out!.value?.toArray()).toEqual([7, -3]);
  });

  it('activation keeps dtype and shape; unary gives bool for not/is_nan/is_inf', () => {
    expect(infer(D.activation, { type: 'relu' }, [t('float32', ['batch', 64, 56, 56])])[0]).toEqual({
      dtype: 'float32',
      shape: ['batch', 64, 56, 56],
    });
    expect(infer(D.unary, { op: 'exp' }, [t('float64', [3])])[0]!.dtype).toBe('float64');
    expect(infer(D.unary, { op: 'is_nan' }, [t('float32', [3])])[0]).toEqual({ dtype: 'bool', shape: [3] });
    expect(infer(D.unary, { op: 'not' }, [t('bool', null)])[0]).toEqual({ dtype: 'bool', shape: null });
  });

  it('elementwise broadcasts and gives bool for comparisons and logic', () => {
    expect(infer(D.elementwise, { op: 'add' }, [t('float32', ['batch', 3, 1]), t('float32', [1, 4])])[0]).toEqual({
      dtype: 'float32',
      shape: ['batch', 3, 4],
    });
    expect(infer(D.elementwise, { op: 'less' }, [t('int32', [2, 3]), t('int32', [])])[0]).toEqual({ dtype: 'bool', shape: [2, 3] });
    expect(infer(D.elementwise, { op: 'and' }, [t('bool', ['n']), t('bool', ['n'])])[0]).toEqual({ dtype: 'bool', shape: ['n'] });
    expect(infer(D.elementwise, { op: 'mul' }, [t('float32', null), t('float32', [3])])[0]!.shape).toBeNull();
  });

  it('elementwise names the layer when shapes do not broadcast', () => {
    const e = thrown(() => infer(D.elementwise, { op: 'add' }, [t('float32', [2, 3]), t('float32', [4, 3])]));
    expect(e.code).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(e.layer).toEqual({ name: 'L', kind: 'elementwise' });
    expect(e.message).toMatch(/^layer 'L' \(elementwise\): shapes \[2,3\] and \[4,3\]/);
  });

  it('elementwise rejects operands of different dtypes except for pow', () => {
    expect(thrown(() => infer(D.elementwise, { op: 'sub' }, [t('float32', [2]), t('int64', [2])])).code).toBe(ErrorCode.INVALID_DTYPE);
    expect(infer(D.elementwise, { op: 'pow' }, [t('float32', [2]), t('int64', [])])[0]!.dtype).toBe('float32');
  });

  it('elementwise follows shape arithmetic on small known integers', () => {
    const [mul] = infer(D.elementwise, { op: 'mul' }, [t('int64', [2], i64([3n, 4n])), t('int64', [], i64([5n], []))]);
    expect(mul!.value?.toArray()).toEqual([15n, 20n]);
    const [div] = infer(D.elementwise, { op: 'div' }, [t('int64', [2], i64([-7n, 7n])), t('int64', [1], i64([2n]))]);
    expect(div!.value?.toArray()).toEqual([-3n, 3n]);
    const [mod] = infer(D.elementwise, { op: 'mod' }, [t('int64', [2], i64([-7n, 7n])), t('int64', [1], i64([3n]))]);
    expect(mod!.value?.toArray()).toEqual([2n, 1n]);
    const [eq] = infer(D.elementwise, { op: 'equal' }, [t('int64', [2], i64([1n, 2n])), t('int64', [2], i64([1n, 3n]))]);
    expect(eq!.dtype).toBe('bool');
    expect(eq!.value?.toArray()).toEqual([true, false]);
    // Division by zero is left to run time; floats are never evaluated.
    expect(infer(D.elementwise, { op: 'div' }, [t('int64', [1], i64([1n])), t('int64', [1], i64([0n]))])[0]!.value).toBeUndefined();
    const f = Tensor.fromValues('float32', [1], [2]);
    expect(infer(D.elementwise, { op: 'add' }, [t('float32', [1], f), t('float32', [1], f)])[0]!.value).toBeUndefined();
  });

  it('parametric_relu keeps x and rejects a slope that does not broadcast to it', () => {
    expect(infer(D.parametric_relu, {}, [t('float32', ['n', 8, 4, 4]), t('float32', [8, 1, 1])])[0]!.shape).toEqual(['n', 8, 4, 4]);
    expect(thrown(() => infer(D.parametric_relu, {}, [t('float32', [1, 8]), t('float32', [3])])).code).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(thrown(() => infer(D.parametric_relu, {}, [t('float32', [8]), t('float32', [2, 8])])).code).toBe(ErrorCode.SHAPE_MISMATCH);
  });

  it('scale keeps x per channel, broadcasts elementwise and checks channel counts', () => {
    const x = t('float32', [1, 16, 8, 8]);
    expect(infer(D.scale, { mode: 'channel', channelAxis: 1 }, [x, t('float32', [16]), t('float32', [16])])[0]!.shape).toEqual([
      1, 16, 8, 8,
    ]);
    expect(infer(D.scale, { mode: 'elementwise', channelAxis: 1 }, [t('float32', [4, 1]), undefined, t('float32', [3])])[0]!.shape).toEqual(
      [4, 3],
    );
    const e = thrown(() => infer(D.scale, { mode: 'channel', channelAxis: 1 }, [x, t('float32', [8])]));
    expect(e.code).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(e.message).toMatch(/shift has 8 elements but channel axis 1 has 16/);
  });

  it('select broadcasts condition and branches; quantize/dequantize give their declared types', () => {
    expect(infer(D.select, {}, [t('bool', [2, 1]), t('float32', [3]), t('float32', [1])])[0]).toEqual({ dtype: 'float32', shape: [2, 3] });
    const q = { axis: null, quantizedType: 'int8' as const, floatType: 'float32' as const };
    expect(infer(D.quantize, q, [t('float32', ['n', 4]), t('float32', [])])[0]).toEqual({ dtype: 'int8', shape: ['n', 4] });
    expect(infer(D.dequantize, q, [t('int8', ['n', 4]), t('float32', []), t('int8', [])])[0]).toEqual({
      dtype: 'float32',
      shape: ['n', 4],
    });
  });

  it('a missing required input is named', () => {
    const e = thrown(() => infer(D.select, {}, [t('bool', [2]), undefined, t('float32', [2])]));
    expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(e.message).toMatch(/input 1 \(a\) is missing/);
  });

  it('carries symbolic shape elements through shape arithmetic', () => {
    const shapeOf = { dtype: 'int64' as const, shape: [4], dims: ['N', 3, 'h', 'w'] };
    const one = t('int64', [], i64([1n], []));
    const [same] = infer(D.elementwise, { op: 'mul' }, [shapeOf, one]);
    expect(same).toEqual({ dtype: 'int64', shape: [4], dims: ['N', 3, 'h', 'w'] });
    const [doubled] = infer(D.elementwise, { op: 'mul' }, [shapeOf, t('int64', [], i64([2n], []))]);
    expect(doubled!.dims).toEqual([null, 6, null, null]);
    // Every element known: a value, not dims.
    const [exact] = infer(D.elementwise, { op: 'add' }, [{ dtype: 'int64', shape: [2], dims: [2, 3] }, t('int64', [2], i64([1n, 1n]))]);
    expect(exact!.value?.toArray()).toEqual([3n, 4n]);
    expect(exact!.dims).toBeUndefined();
    expect(infer(D.cast, { to: 'int32' }, [shapeOf])[0]!.dims).toEqual(['N', 3, 'h', 'w']);
    expect(infer(D.cast, { to: 'float32' }, [shapeOf])[0]!.dims).toBeUndefined();
    expect(infer(D.unary, { op: 'abs' }, [shapeOf])[0]!.dims).toEqual(['N', 3, 'h', 'w']);
    expect(infer(D.unary, { op: 'neg' }, [shapeOf])[0]!.dims).toEqual([null, -3, null, null]);
  });

  it('negates and takes the absolute value of small known integers', () => {
    expect(infer(D.unary, { op: 'neg' }, [t('int64', [2], i64([3n, -1n]))])[0]!.value?.toArray()).toEqual([-3n, 1n]);
    expect(infer(D.unary, { op: 'abs' }, [t('int64', [2], i64([3n, -1n]))])[0]!.value?.toArray()).toEqual([3n, 1n]);
    expect(infer(D.unary, { op: 'exp' }, [t('int64', [2], i64([3n, -1n]))])[0]!.value).toBeUndefined();
  });
});
