/** ONNX Concat and Split (split sizes as attribute before opset 13, as input after; num_outputs at 18). */
import type { Dim } from '@kiln-inference/core';
import type { Converter } from '../../converter.js';
import { constInts, dtypeOf, int64Const, normAxis, out, rankOf } from './helpers.js';

const concat: Converter = {
  domain: 'ai.onnx',
  op: 'Concat',
  convert(ctx) {
    const inputs = ctx.node.inputs.map((_, i) => i).filter((i) => ctx.hasInput(i));
    if (inputs.length === 0) throw ctx.error('Concat has no inputs');
    const rank = inputs.map((i) => rankOf(ctx, i)).find((r) => r !== undefined);
    const axis = normAxis(ctx, ctx.attrs.int('axis', 1), rank);
    const shapes = inputs.map((i) => ctx.inputShape(i));
    let shape: Dim[] | null = null;
    if (rank !== undefined && axis >= 0 && shapes.every((s) => s && s.length === rank)) {
      const dims = shapes.map((s) => s![axis]!);
      const total = dims.every((d) => typeof d === 'number') ? (dims as number[]).reduce((a, b) => a + b, 0) : null;
      shape = shapes[0]!.map((d, i) => (i === axis ? total : (shapes.map((s) => s![i]!).find((x) => typeof x === 'number') ?? d)));
    }
    ctx.addLayer(
      'concatenation',
      { axis },
      inputs.map((i) => ctx.input(i)),
      [out(ctx, 0, dtypeOf(ctx, inputs[0]!), shape)],
    );
  },
};

const split: Converter = {
  domain: 'ai.onnx',
  op: 'Split',
  restrictions: 'without split sizes, parts are ceil(dim / outputs) with a smaller last part',
  convert(ctx) {
    const rank = rankOf(ctx, 0);
    const axis = normAxis(ctx, ctx.attrs.int('axis', 0), rank);
    const numOutputs = ctx.node.outputs.length;
    const fromAttr = ctx.opset < 13 ? ctx.attrs.ints('split') : undefined;
    const sizesInput = fromAttr ? int64Const(ctx, fromAttr, 'split') : ctx.input(1);
    const sizes = fromAttr ?? (ctx.hasInput(1) ? constInts(ctx, 1) : undefined);
    const numAttr = ctx.attrs.int('num_outputs');
    if (numAttr !== undefined && numAttr !== numOutputs) throw ctx.error(`num_outputs=${numAttr} but the node has ${numOutputs} outputs`);
    if (sizes && sizes.length !== numOutputs) throw ctx.error(`split lists ${sizes.length} sizes for ${numOutputs} outputs`);
    const input = ctx.inputShape(0);
    const dtype = dtypeOf(ctx, 0);
    const outputs = ctx.node.outputs.map((_, i) => {
      const shape = input && sizes && axis >= 0 ? input.map((d, a) => (a === axis ? sizes[i]! : d)) : null;
      return out(ctx, i, dtype, shape);
    });
    ctx.addLayer('split', { axis, numOutputs }, sizesInput ? [ctx.input(0), sizesInput] : [ctx.input(0)], outputs);
  },
};

export const concatSplitConverters: readonly Converter[] = [concat, split];
