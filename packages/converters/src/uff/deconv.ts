/**
 * UFF ConvTranspose, as the converter wrote TensorFlow's Conv2DBackpropInput: inputs
 * [x, weights, output shape], weights in their declared order (`+KC`: [H, W, out, in]),
 * the output shape in the data's stored order. `implicit_padding: 'same'` takes the requested
 * size with SAME padding; otherwise VALID, whose extra output rows (the part of a stride the
 * requested size adds) become output padding and need the input's spatial size.
 */
import type { DType } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { NCHW_TO_NHWC, NHWC_TO_NCHW, permuteTensor, transpose } from '../tf/helpers.js';
import { pair, uffPadding } from './conv-pool.js';
import { expandOrder, INCREMENT, isChannelsLast, orderOf } from './dim-orders.js';

function convertConvTranspose(ctx: ConversionContext): void {
  const w = ctx.constantInput(1);
  if (w?.rank !== 4) throw ctx.error('ConvTranspose weights must be a constant 4-D tensor', 'the UFF file is malformed');
  const sizes = ctx.constantInput(2);
  if (sizes?.size !== 4) throw ctx.error('ConvTranspose needs a constant 4-value output shape (input 2)', 'the UFF file is malformed');
  const channelsLast = isChannelsLast(orderOf(ctx, 'inputs_orders', 0));
  const target = Array.from(sizes.toFloat64()).slice(channelsLast ? 1 : 2, channelsLast ? 3 : 4);
  // Kiln's deconvolution takes [in (C), out (K), H, W]; the declared order (default +KC) says where each is.
  const roles = expandOrder(orderOf(ctx, 'inputs_orders', 1) ?? [2, INCREMENT, 0, 1], 4);
  if (!roles) throw ctx.error('the declared weights order does not describe 4-D weights', 'the UFF file is malformed');
  const weights = permuteTensor(
    w,
    [1, 0, 2, 3].map((role) => roles.indexOf(role)),
  );
  const kernel = [weights.shape[2]!, weights.shape[3]!];
  const strides = pair(ctx, ['strides'], 1);
  const dilations = pair(ctx, ['dilation', 'dilations'], 1);
  const padding = uffPadding(ctx);
  let outputPadding = [0, 0];
  if (padding.paddingMode === 'valid') {
    const shape = ctx.inputShape(0);
    const spatial = shape && (channelsLast ? [shape[1], shape[2]] : [shape[2], shape[3]]);
    if (!spatial || spatial.some((d) => typeof d !== 'number')) {
      throw ctx.error(
        'a VALID ConvTranspose needs the spatial size of its input, which is unknown here',
        'feed it from a graph input with a full shape, or use implicit_padding same',
      );
    }
    outputPadding = target.map((t, d) => t - (strides[d]! * ((spatial[d] as number) - 1) + (kernel[d]! - 1) * dilations[d]! + 1));
    if (outputPadding.some((p, d) => p < 0 || p >= strides[d]!))
      throw ctx.error(`output shape [${target.join(',')}] does not fit the input and the weights`);
  } else if (padding.paddingMode === 'explicit') {
    throw ctx.error(
      'explicit ConvTranspose padding is not supported',
      "the UFF converter writes 'implicit_padding' for transposed convolutions",
    );
  }
  const params = {
    kernelShape: kernel,
    strides,
    dilations,
    groups: 1,
    outputPadding,
    ...(padding.paddingMode === 'valid' ? {} : { outputShape: target }),
    ...padding,
  };
  const wName = ctx.constant(weights, `${ctx.node.name}/weights_iohw`);
  const dtype: DType = ctx.inputDType(0) ?? 'float32';
  if (!channelsLast) {
    ctx.addLayer('deconvolution', params, [ctx.input(0), wName], [{ name: ctx.output(0), dtype }]);
    return;
  }
  const x = transpose(ctx, ctx.input(0), NHWC_TO_NCHW, { dtype });
  const y = ctx.addLayer('deconvolution', params, [x, wName], [{ dtype }])[0]!;
  transpose(ctx, y, NCHW_TO_NHWC, { name: ctx.output(0), dtype });
}

export const uffDeconvConverters: Converter[] = [
  {
    domain: 'uff',
    op: 'ConvTranspose',
    convert: convertConvTranspose,
    restrictions: "constant weights and output shape; 2-D; VALID needs the input's spatial size",
  },
];
