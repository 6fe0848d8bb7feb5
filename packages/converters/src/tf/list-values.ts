/**
 * Shared lowering of TF's list-like values (TensorList variants, TensorArray flows) onto
 * kiln tensor sequences: reserving n placeholder elements, setting one element, stacking,
 * gathering and concatenating with the per-element lengths TF returns beside.
 */
import { type DType, Tensor } from '@kiln-inference/core';
import type { ConversionContext, LayerOutputSpec } from '../converter.js';
import { out } from './helpers.js';

/** A sequence output spec, bound to node output i when `bind`. */
export function seqSpec(ctx: ConversionContext, dtype: DType, i = 0, bind = true): LayerOutputSpec {
  return { ...(bind ? { name: ctx.output(i) } : {}), dtype, valueKind: 'sequence' };
}

/** Fully known element dims from a constant shape input or a shape attribute; else undefined. */
export function knownElementShape(ctx: ConversionContext, input?: number, attr?: string): number[] | undefined {
  let dims: readonly unknown[] | null | undefined;
  if (input !== undefined && ctx.hasInput(input)) {
    const c = ctx.constantInput(input);
    dims = c ? Array.from(c.toFloat64()) : undefined;
    // TF writes an unknown-rank element shape as the scalar -1.
    if (c && c.rank === 0) dims = undefined;
  } else if (attr) {
    const a = ctx.node.attributes[attr];
    dims = a?.kind === 'shape' ? a.value : undefined;
  }
  if (!dims || dims.some((d) => typeof d !== 'number' || d < 0)) return undefined;
  return dims as number[];
}

/**
 * A sequence of `count` zero elements of `elementShape` (scalars when unknown: placeholders
 * that writes replace, as TF's unset elements have no data either).
 */
export function reserve(
  ctx: ConversionContext,
  count: string,
  dtype: DType,
  elementShape: number[] | undefined,
  spec: LayerOutputSpec,
): string {
  const n = ctx.addLayer('cast', { to: 'int64' }, [count], [{ dtype: 'int64' }])[0]!;
  const n1 = ctx.addLayer('shuffle', { reshape: [1] }, [n], [{ dtype: 'int64' }])[0]!;
  const dims = ctx.constant(Tensor.fromValues('int64', [elementShape?.length ?? 0], elementShape ?? []), `${ctx.node.name}/element_shape`);
  const shape = ctx.addLayer('concatenation', { axis: 0 }, [n1, dims], [{ dtype: 'int64' }])[0]!;
  const zeros = ctx.addLayer('fill', { mode: 'constant_of_shape', dtype, value: 0 }, [shape], [{ dtype }])[0]!;
  return ctx.addLayer('split_to_sequence', { axis: 0, keepDims: false }, [zeros], [spec])[0]!;
}

/** The sequence with element `index` replaced by `item`. */
export function setItem(ctx: ConversionContext, seq: string, index: string, item: string, dtype: DType, spec: LayerOutputSpec): string {
  const erased = ctx.addLayer('sequence_erase', {}, [seq, index], [{ dtype, valueKind: 'sequence' }])[0]!;
  return ctx.addLayer('sequence_insert', {}, [erased, item, index], [spec])[0]!;
}

/** Elements stacked along a new leading axis. */
export function stack(ctx: ConversionContext, seq: string, dtype: DType, spec: LayerOutputSpec = { dtype }): string {
  return ctx.addLayer('concat_from_sequence', { axis: 0, newAxis: true }, [seq], [spec])[0]!;
}

/** Elements at `indices`, stacked. */
export function gatherItems(ctx: ConversionContext, seq: string, indices: string, dtype: DType): void {
  ctx.addLayer('gather', { mode: 'default', axis: 0, batchDims: 0 }, [stack(ctx, seq, dtype), indices], [out(ctx, dtype)]);
}

/**
 * Elements joined along axis 0 (node output 0) and, when the node's output 1 is used, their
 * leading sizes as int64: computed from the stacked elements, so they must share a shape.
 */
export function concatItems(ctx: ConversionContext, seq: string, dtype: DType): void {
  ctx.addLayer('concat_from_sequence', { axis: 0, newAxis: false }, [seq], [out(ctx, dtype)]);
  if (!ctx.output(1)) return;
  const dims = ctx.addLayer('shape', { start: 0, end: 2 }, [stack(ctx, seq, dtype)], [{ dtype: 'int64' }])[0]!;
  const at = (i: number): string =>
    ctx.addLayer(
      'slice',
      {},
      [dims, ...[[i], [i + 1], [0]].map((v, k) => ctx.constant(Tensor.fromValues('int64', [1], v), `${ctx.node.name}/len${i}_${k}`))],
      [{ dtype: 'int64' }],
    )[0]!;
  ctx.addLayer('expand', {}, [at(1), at(0)], [out(ctx, 'int64', 1)]);
}

/** The sequence's length as int32 (TF's sizes are int32). */
export function lengthOf(ctx: ConversionContext, seq: string, i = 0): void {
  const n = ctx.addLayer('sequence_length', {}, [seq], [{ dtype: 'int64' }])[0]!;
  ctx.addLayer('cast', { to: 'int32' }, [n], [out(ctx, 'int32', i)]);
}

/** A sequence of `count` elements with `values[indices[k]]` at position k (fresh lists: the rest are zeros). */
export function scatterFresh(
  ctx: ConversionContext,
  values: string,
  indices: string,
  count: string,
  dtype: DType,
  spec: LayerOutputSpec,
): string {
  const tail = ctx.addLayer('shape', { start: 1 }, [values], [{ dtype: 'int64' }])[0]!;
  const n = ctx.addLayer(
    'shuffle',
    { reshape: [1] },
    [ctx.addLayer('cast', { to: 'int64' }, [count], [{ dtype: 'int64' }])[0]!],
    [{ dtype: 'int64' }],
  )[0]!;
  const shape = ctx.addLayer('concatenation', { axis: 0 }, [n, tail], [{ dtype: 'int64' }])[0]!;
  const zeros = ctx.addLayer('fill', { mode: 'constant_of_shape', dtype, value: 0 }, [shape], [{ dtype }])[0]!;
  const wide = ctx.addLayer('cast', { to: 'int64' }, [indices], [{ dtype: 'int64' }])[0]!;
  const idx = ctx.addLayer('shuffle', { reshape: [-1, 1] }, [wide], [{ dtype: 'int64' }])[0]!;
  const dense = ctx.addLayer('scatter', { mode: 'nd', axis: 0, reduction: 'none' }, [zeros, idx, values], [{ dtype }])[0]!;
  return ctx.addLayer('split_to_sequence', { axis: 0, keepDims: false }, [dense], [spec])[0]!;
}
