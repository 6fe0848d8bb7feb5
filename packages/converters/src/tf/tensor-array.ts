/**
 * TF1's TensorArray*V3 ops on kiln tensor sequences. A TensorArray is a mutable resource
 * whose ops are ordered by a scalar "flow" value threaded through them; here the flow *is*
 * the array's contents (a sequence), each write returns the new sequence as its flow, and
 * reads take the sequence from their flow input. The handle output aliases the initial flow.
 */
import type { DType } from '@kiln-inference/core';
import type { ConversionContext, Converter, ValidationContext } from '../converter.js';
import { out, tfConverter } from './helpers.js';
import { concatItems, gatherItems, knownElementShape, lengthOf, reserve, scatterFresh, seqSpec, setItem } from './list-values.js';

const arrayType = (ctx: ConversionContext, valueInput?: number): DType =>
  ctx.attrs.type('dtype') ?? ctx.attrs.type('T') ?? (valueInput === undefined ? undefined : ctx.inputDType(valueInput)) ?? 'float32';

/** True when the flow input comes straight from a TensorArrayV3 (nothing written yet). */
function isFreshArray(ctx: ValidationContext, flowInput: number): boolean {
  const [name] = (ctx.node.inputs[flowInput] ?? '').split(':');
  return ctx.graph.nodes.some((n) => n.name === name && n.op === 'TensorArrayV3');
}

export const tfTensorArrayConverters: Converter[] = [
  tfConverter('TensorArrayV3', (ctx) => {
    const dtype = arrayType(ctx);
    const flow = reserve(ctx, ctx.input(0), dtype, knownElementShape(ctx, undefined, 'element_shape'), seqSpec(ctx, dtype, 1));
    ctx.alias(0, flow);
  }),
  tfConverter('TensorArrayWriteV3', (ctx) => {
    const dtype = arrayType(ctx, 2);
    setItem(ctx, ctx.input(3), ctx.input(1), ctx.input(2), dtype, seqSpec(ctx, dtype));
  }),
  tfConverter('TensorArrayReadV3', (ctx) => {
    ctx.addLayer('sequence_at', {}, [ctx.input(2), ctx.input(1)], [out(ctx, arrayType(ctx))]);
  }),
  tfConverter('TensorArrayGatherV3', (ctx) => gatherItems(ctx, ctx.input(2), ctx.input(1), arrayType(ctx))),
  tfConverter(
    'TensorArrayScatterV3',
    (ctx) => {
      const dtype = arrayType(ctx, 2);
      const size = ctx.addLayer('sequence_length', {}, [ctx.input(3)], [{ dtype: 'int64' }])[0]!;
      scatterFresh(ctx, ctx.input(2), ctx.input(1), size, dtype, seqSpec(ctx, dtype));
    },
    (ctx) =>
      isFreshArray(ctx, 3)
        ? { supported: true }
        : { supported: false, category: 'other', reason: 'scatter into a TensorArray that was already written is not supported' },
    'scatters into a fresh TensorArray only',
  ),
  tfConverter('TensorArrayConcatV3', (ctx) => concatItems(ctx, ctx.input(1), arrayType(ctx))),
  tfConverter('TensorArraySplitV3', (ctx) => {
    const dtype = arrayType(ctx, 1);
    const lengths = ctx.addLayer('cast', { to: 'int64' }, [ctx.input(2)], [{ dtype: 'int64' }])[0]!;
    ctx.addLayer('split_to_sequence', { axis: 0, keepDims: true }, [ctx.input(1), lengths], [seqSpec(ctx, dtype)]);
  }),
  tfConverter('TensorArraySizeV3', (ctx) => lengthOf(ctx, ctx.input(1))),
  // Closing frees the resource in TF; a value needs nothing.
  tfConverter('TensorArrayCloseV3', () => {}),
];
