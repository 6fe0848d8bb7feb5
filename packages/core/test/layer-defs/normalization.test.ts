import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { NORMALIZATION_DEFS as D } from '../../src/layer-defs/normalization.js';
import { infer, t, thrown } from './infer-helpers.js';

describe('normalization LayerDefs', () => {
  it('softmax, lrn, lp_normalization, trilu and cumulative keep x', () => {
    const x = t('float16', ['batch', 12, 'seq', 'seq']);
    expect(infer(D.softmax, { axis: -1, mode: 'softmax' }, [x])[0]).toEqual({ dtype: 'float16', shape: ['batch', 12, 'seq', 'seq'] });
    expect(infer(D.lrn, { size: 5, alpha: 1e-4, beta: 0.75, bias: 1 }, [x])[0]!.shape).toEqual(x.shape);
    expect(infer(D.lp_normalization, { axis: 1, p: 2 }, [x])[0]!.shape).toEqual(x.shape);
    expect(infer(D.trilu, { upper: true }, [x, undefined])[0]!.shape).toEqual(x.shape);
    expect(infer(D.cumulative, { op: 'sum', exclusive: false, reverse: true }, [t('int32', [5]), t('int64', [])])[0]).toEqual({
      dtype: 'int32',
      shape: [5],
    });
  });

  it('rejects axes out of range and too-small ranks, naming the layer', () => {
    const e = thrown(() => infer(D.softmax, { axis: 3, mode: 'softmax' }, [t('float32', [2, 3])]));
    expect(e.code).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(e.message).toMatch(/^layer 'L' \(softmax\): softmax axis 3 is out of range for rank 2/);
    expect(thrown(() => infer(D.trilu, { upper: false }, [t('float32', [4])])).code).toBe(ErrorCode.INVALID_SHAPE);
    expect(thrown(() => infer(D.cumulative, { op: 'sum', exclusive: false, reverse: false }, [t('float32', [4]), undefined])).code).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
  });

  it('normalization: statistics outputs keep x with reduced axes 1 and groups on the channel axis', () => {
    const layer = { axes: [-1], epsilon: 1e-5, numGroups: 1, channelAxis: 1, kind: 'layer' as const };
    const [y, mean, inv] = infer(D.normalization, layer, [t('float32', ['n', 'seq', 768]), t('float32', [768]), t('float32', [768])], 3);
    expect(y).toEqual({ dtype: 'float32', shape: ['n', 'seq', 768] });
    expect(mean).toEqual({ dtype: 'float32', shape: ['n', 'seq', 1] });
    expect(inv).toEqual(mean);
    const group = { axes: [], epsilon: 1e-5, numGroups: 8, channelAxis: 1, kind: 'group' as const };
    const [, gm] = infer(D.normalization, group, [t('float16', [2, 32, 7, 7])], 2);
    expect(gm).toEqual({ dtype: 'float16', shape: [2, 8, 1, 1] });
    const instance = { ...group, numGroups: 1, kind: 'instance' as const, stashType: 'float32' as const };
    expect(infer(D.normalization, instance, [t('float16', [2, 3, 5])], 2)[1]).toEqual({ dtype: 'float32', shape: [2, 3, 1] });
    expect(thrown(() => infer(D.normalization, { ...group, numGroups: 5 }, [t('float32', [1, 32, 4, 4])])).code).toBe(
      ErrorCode.INVALID_ATTRIBUTE,
    );
  });

  it('reverse_sequence checks its axes and one length per batch entry', () => {
    const p = { batchAxis: 1, timeAxis: 0 };
    expect(infer(D.reverse_sequence, p, [t('float32', [10, 4, 3]), t('int64', [4])])[0]!.shape).toEqual([10, 4, 3]);
    expect(thrown(() => infer(D.reverse_sequence, p, [t('float32', [10, 4, 3]), t('int64', [5])])).code).toBe(ErrorCode.SHAPE_MISMATCH);
    expect(thrown(() => infer(D.reverse_sequence, { batchAxis: 3, timeAxis: 0 }, [t('float32', [10, 4, 3]), t('int64', [4])])).code).toBe(
      ErrorCode.INVALID_ATTRIBUTE,
    );
  });
});
