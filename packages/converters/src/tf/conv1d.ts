/**
 * TF.js's Conv1D: x [N, W, C] (NWC, or NCW), filter [K, C, O], attrs stride, pad
 * ('SAME' | 'VALID'), dilation. A 1-D kiln convolution in NCW, with the filter permuted to
 * [O, C, K] (at conversion time when constant).
 */
import type { DType } from '@kiln-inference/core';
import type { Converter } from '../converter.js';
import { inputDType, out, permuteTensor, tfConverter } from './helpers.js';

export const tfConv1DConverters: Converter[] = [
  tfConverter('Conv1D', (ctx) => {
    const dtype: DType = inputDType(ctx);
    const format = ctx.attrs.string('data_format', 'NWC');
    if (format !== 'NWC' && format !== 'NCW') throw ctx.error(`data_format '${format}' is not NWC or NCW`);
    const pad = ctx.attrs.string('pad', ctx.attrs.string('padding', 'VALID'));
    if (pad !== 'SAME' && pad !== 'VALID')
      throw ctx.error(`pad '${pad}' is not SAME or VALID`, 'kiln converts Conv1D with SAME or VALID padding');
    const stride = ctx.attrs.int('stride', 1);
    const dilation = ctx.attrs.int('dilation', 1);
    const filter = ctx.constantInput(1);
    const kernel = filter?.shape[0] ?? ctx.inputShape(1)?.[0];
    if (typeof kernel !== 'number') throw ctx.error('the filter must be a constant or have a known shape', 'freeze the graph');
    const w = filter
      ? ctx.constant(permuteTensor(filter, [2, 1, 0]), `${ctx.node.name}/filter_ock`)
      : ctx.addLayer('shuffle', { firstTranspose: [2, 1, 0] }, [ctx.input(1)], [{ dtype }])[0]!;
    const x = format === 'NWC' ? ctx.addLayer('shuffle', { firstTranspose: [0, 2, 1] }, [ctx.input(0)], [{ dtype }])[0]! : ctx.input(0);
    const params = {
      kernelShape: [kernel],
      strides: [stride],
      dilations: [dilation],
      groups: 1,
      paddingMode: pad === 'SAME' ? ('same_upper' as const) : ('valid' as const),
      padsBegin: [0],
      padsEnd: [0],
    };
    if (format === 'NCW') {
      ctx.addLayer('convolution', params, [x, w], [out(ctx, dtype)]);
      return;
    }
    const y = ctx.addLayer('convolution', params, [x, w], [{ dtype }])[0]!;
    ctx.addLayer('shuffle', { firstTranspose: [0, 2, 1] }, [y], [out(ctx, dtype)]);
  }),
];
