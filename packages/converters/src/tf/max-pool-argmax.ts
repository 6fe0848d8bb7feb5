/**
 * TF MaxPoolWithArgmax (NHWC): kiln's max pooling runs in NCHW and its second output holds
 * NCHW flat indices; TF wants ((b·H + y)·W + x)·C + c, without the batch term unless
 * include_batch_in_index. With the spatial part s = i mod (H·W) that is s·C + c, and the
 * batch term is i − (i mod C·H·W), so it needs H, W and C known at conversion time.
 */
import { Tensor } from '@kiln-inference/core';
import { checkComputedShape } from '../computed-sizes.js';
import type { Converter } from '../converter.js';
import { binary } from './elementwise.js';
import { inputDType, NCHW_TO_NHWC, NHWC_TO_NCHW, out, tfConverter, tfPadding, transpose } from './helpers.js';

export const tfMaxPoolArgmaxConverters: Converter[] = [
  tfConverter('MaxPoolWithArgmax', (ctx) => {
    const dtype = inputDType(ctx);
    const shape = ctx.inputShape(0);
    const [, h, w, c] = shape ?? [];
    if (typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number') {
      throw ctx.error('MaxPoolWithArgmax needs the input height, width and channels known', 'give the input a static shape');
    }
    const ksize = ctx.attrs.ints('ksize', []);
    const strides = ctx.attrs.ints('strides', [1, 1, 1, 1]);
    if (ksize.length !== 4 || strides.length !== 4 || ksize[0] !== 1 || ksize[3] !== 1) {
      throw ctx.error(`ksize [${ksize.join(',')}] / strides [${strides.join(',')}] must be 4 values pooling over H and W only`);
    }
    const params = {
      type: 'max' as const,
      global: false,
      window: [ksize[1]!, ksize[2]!],
      strides: [strides[1]!, strides[2]!],
      dilations: [1, 1],
      ceilMode: false,
      countIncludePad: false,
      storageOrder: 0 as const,
      ...tfPadding(ctx, 'NHWC'),
    };
    const x = transpose(ctx, ctx.input(0), NHWC_TO_NCHW, { dtype });
    const [y, nchwIndex] = ctx.addLayer('pooling', params, [x], [{ dtype }, { dtype: 'int64' }]) as [string, string];
    transpose(ctx, y, NCHW_TO_NHWC, out(ctx, dtype));
    const idx = transpose(ctx, nchwIndex, NCHW_TO_NHWC, { dtype: 'int64' });
    const k = (v: number, hint: string): string => ctx.constant(Tensor.fromValues('int64', [], [v]), `${ctx.node.name}/${hint}`);
    const spatial = binary(ctx, 'mod', idx, k(h * w, 'plane'), 'int64', false);
    // The channel index constant is sized by a declared dim: check it before building it.
    checkComputedShape(ctx, 'int64', [c]);
    const channels = ctx.constant(
      Tensor.fromValues(
        'int64',
        [c],
        Array.from({ length: c }, (_, i) => i),
      ),
      `${ctx.node.name}/channels`,
    );
    const within = binary(ctx, 'add', binary(ctx, 'mul', spatial, k(c, 'c'), 'int64', false), channels, 'int64', false);
    const argType = ctx.attrs.type('Targmax') ?? 'int64';
    let index = within;
    if (ctx.attrs.bool('include_batch_in_index', false)) {
      const batchStart = binary(ctx, 'sub', idx, binary(ctx, 'mod', idx, k(c * h * w, 'image'), 'int64', false), 'int64', false);
      index = binary(ctx, 'add', within, batchStart, 'int64', false);
    }
    if (argType === 'int64') ctx.alias(1, index);
    else ctx.addLayer('cast', { to: argType }, [index], [out(ctx, argType, 1)]);
  }),
];
