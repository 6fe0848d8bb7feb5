/**
 * The TensorList ops beyond building, reading and writing single elements (tensor-list.ts):
 * PopBack, Gather, Scatter(V2), Split, Concat(V2) and Resize, on the same kiln tensor
 * sequences. Ops that need the elements side by side stack them, so those need elements of
 * one shape, as TF's own dense results do.
 */
import type { DType } from '@kiln-inference/core';
import { Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { constNumbers, out, tfConverter } from './helpers.js';
import { concatItems, gatherItems, scatterFresh, seqSpec, stack } from './list-values.js';

const elementType = (ctx: ConversionContext): DType => ctx.attrs.type('element_dtype') ?? 'float32';

function convertScatter(ctx: ConversionContext, v2: boolean): void {
  const dtype = ctx.attrs.type('element_dtype') ?? ctx.inputDType(0) ?? 'float32';
  const indices = constNumbers(ctx, 1, 'indices');
  const requested = v2 ? constNumbers(ctx, 3, 'num_elements')[0]! : -1;
  const count = Math.max(requested, indices.length === 0 ? 0 : Math.max(...indices) + 1);
  const n = ctx.constant(Tensor.fromValues('int64', [], [count]), `${ctx.node.name}/count`);
  scatterFresh(ctx, ctx.input(0), ctx.input(1), n, dtype, seqSpec(ctx, dtype));
}

/** Grows the stacked list with zero elements (never negative), then cuts it to the size. */
function convertResize(ctx: ConversionContext): void {
  const dtype = elementType(ctx);
  const k = (v: number, hint: string): string => ctx.constant(Tensor.fromValues('int64', [1], [v]), `${ctx.node.name}/${hint}`);
  const i64 = { dtype: 'int64' as const };
  const stacked = stack(ctx, ctx.input(0), dtype);
  const wide = ctx.addLayer('cast', { to: 'int64' }, [ctx.input(1)], [i64])[0]!;
  const size = ctx.addLayer('shuffle', { reshape: [1] }, [wide], [i64])[0]!;
  const dims = ctx.addLayer('shape', {}, [stacked], [i64])[0]!;
  const have = ctx.addLayer('slice', {}, [dims, k(0, 'n_begin'), k(1, 'n_end'), k(0, 'n_axis')], [i64])[0]!;
  const tail = ctx.addLayer('slice', {}, [dims, k(1, 'tail_begin'), k(2 ** 31 - 1, 'tail_end'), k(0, 'tail_axis')], [i64])[0]!;
  const shortfall = ctx.addLayer('elementwise', { op: 'sub' }, [size, have], [i64])[0]!;
  const missing = ctx.addLayer('elementwise', { op: 'max' }, [shortfall, k(0, 'zero')], [i64])[0]!;
  const padShape = ctx.addLayer('concatenation', { axis: 0 }, [missing, tail], [i64])[0]!;
  const pad = ctx.addLayer('fill', { mode: 'constant_of_shape', dtype, value: 0 }, [padShape], [{ dtype }])[0]!;
  const grown = ctx.addLayer('concatenation', { axis: 0 }, [stacked, pad], [{ dtype }])[0]!;
  const cut = ctx.addLayer('slice', {}, [grown, k(0, 'cut_begin'), size, k(0, 'cut_axis')], [{ dtype }])[0]!;
  ctx.addLayer('split_to_sequence', { axis: 0, keepDims: false }, [cut], [seqSpec(ctx, dtype)]);
}

export const tfTensorListOpConverters: Converter[] = [
  tfConverter('TensorListPopBack', (ctx) => {
    const dtype = elementType(ctx);
    ctx.addLayer('sequence_erase', {}, [ctx.input(0)], [seqSpec(ctx, dtype)]);
    const last = ctx.constant(Tensor.fromValues('int64', [], [-1]), `${ctx.node.name}/last`);
    ctx.addLayer('sequence_at', {}, [ctx.input(0), last], [out(ctx, dtype, 1)]);
  }),
  tfConverter('TensorListGather', (ctx) => gatherItems(ctx, ctx.input(0), ctx.input(1), elementType(ctx))),
  tfConverter('TensorListScatter', (ctx) => convertScatter(ctx, false)),
  tfConverter('TensorListScatterV2', (ctx) => convertScatter(ctx, true)),
  tfConverter('TensorListSplit', (ctx) => {
    const dtype = ctx.attrs.type('element_dtype') ?? ctx.inputDType(0) ?? 'float32';
    const lengths = ctx.addLayer('cast', { to: 'int64' }, [ctx.input(2)], [{ dtype: 'int64' }])[0]!;
    ctx.addLayer('split_to_sequence', { axis: 0, keepDims: true }, [ctx.input(0), lengths], [seqSpec(ctx, dtype)]);
  }),
  tfConverter(
    'TensorListConcat',
    (ctx) => concatItems(ctx, ctx.input(0), elementType(ctx)),
    undefined,
    'lengths need elements of one shape',
  ),
  tfConverter(
    'TensorListConcatV2',
    (ctx) => concatItems(ctx, ctx.input(0), elementType(ctx)),
    undefined,
    'lengths need elements of one shape',
  ),
  tfConverter('TensorListResize', convertResize, undefined, 'elements of one shape'),
];
