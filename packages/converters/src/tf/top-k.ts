/** TopKV2 / TopK: the k largest values along the last axis and their int32 indices. */
import { Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { inputDType, out, tfConverter } from './helpers.js';
import { indicesAs } from './reduce.js';

function convertTopK(ctx: ConversionContext, kFromAttr: boolean): void {
  const dtype = inputDType(ctx);
  const k = kFromAttr ? ctx.constant(Tensor.fromValues('int64', [1], [ctx.attrs.int('k', 1)]), `${ctx.node.name}/k`) : ctx.input(1);
  const [, indices] = ctx.addLayer(
    'top_k',
    { axis: -1, largest: true, sorted: ctx.attrs.bool('sorted', true) },
    [ctx.input(0), k],
    [out(ctx, dtype, 0), { dtype: 'int64' }],
  );
  if (ctx.output(1)) indicesAs(ctx, indices!, ctx.attrs.type('index_type') ?? 'int32', 1);
}

export const tfTopKConverters: Converter[] = [
  tfConverter('TopKV2', (ctx) => convertTopK(ctx, false)),
  tfConverter('TopK', (ctx) => convertTopK(ctx, true)),
];
