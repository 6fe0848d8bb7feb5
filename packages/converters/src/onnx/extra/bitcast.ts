/** ONNX BitCast → plugin kiln::BitCast: reinterprets each element's bits as the `to` type. */
import { dtypeInfo } from '@kiln-inference/core';
import type { Converter } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';
import { dtypeAttr, requireDType } from '../math/common.js';

export const bitCastConverter: Converter = {
  domain: 'ai.onnx',
  op: 'BitCast',
  restrictions: 'runs as plugin kiln::BitCast (CPU); source and target must have the same bit width',
  validate(ctx) {
    const to = dtypeAttr(ctx, 'to');
    if (to === undefined || to === 'invalid' || to === 'string')
      return unsupported('unsupported-attribute', `attribute 'to' must name a non-string type kiln represents`);
    const from = ctx.inputDType(0);
    if (from === 'string') return unsupported('unsupported-dtype', 'string tensors have no bit pattern to reinterpret');
    if (from !== undefined && dtypeInfo(from).bits !== dtypeInfo(to).bits)
      return unsupported(
        'unsupported-attribute',
        `BitCast from ${from} (${dtypeInfo(from).bits} bits) to ${to} (${dtypeInfo(to).bits} bits) changes the width`,
      );
    return SUPPORTED;
  },
  convert(ctx) {
    const to = dtypeAttr(ctx, 'to');
    const from = requireDType(ctx, 0);
    if (to === undefined || to === 'invalid' || to === 'string' || from === 'string' || dtypeInfo(from).bits !== dtypeInfo(to).bits)
      throw ctx.error(`cannot bit-cast ${from} to ${String(to)}`, "set 'to' to a non-string type of the input's bit width");
    const fields = { to };
    ctx.addLayer(
      'plugin',
      { namespace: 'kiln', name: 'BitCast', version: '1', fields },
      [ctx.input(0)],
      [{ name: ctx.output(0), dtype: to, shape: ctx.inputShape(0) ?? null }],
    );
  },
};
