/**
 * ONNX tensor-sequence ops (opset 11+): SequenceConstruct, SequenceEmpty, SequenceAt,
 * SequenceInsert, SequenceErase, SequenceLength, SplitToSequence and ConcatFromSequence, each
 * one sequence layer. Sequence tensors are marked valueKind 'sequence' (dtype and shape describe
 * the elements); only the CPU reference backend runs them.
 */
import type { DType, Shape, TensorDesc } from '@kiln-inference/core';
import type { ConversionContext, Converter, LayerOutputSpec } from '../converter.js';
import { dtypeAttr } from './math/common.js';
import { sequenceMapConverters } from './sequence-map.js';
import { dtypeOf, out } from './tensor/helpers.js';

const SINCE = 11;

/** The description of input i, which must be a tensor sequence. */
function sequenceDesc(ctx: ConversionContext, i: number): TensorDesc {
  const desc = ctx.inputDesc(i);
  if (!desc)
    throw ctx.error(`the type of input ${i} ('${ctx.node.inputs[i]}') is unknown`, 'declare the value type or run shape inference');
  if (desc.valueKind !== 'sequence') throw ctx.error(`input ${i} ('${ctx.node.inputs[i]}') must be a tensor sequence but is a tensor`);
  return desc;
}

/** Input i as a tensor (not a sequence). */
function tensorIn(ctx: ConversionContext, i: number): string {
  if (ctx.inputDesc(i)?.valueKind === 'sequence')
    throw ctx.error(`input ${i} ('${ctx.node.inputs[i]}') must be a tensor but is a sequence`);
  return ctx.input(i);
}

function sequenceOut(ctx: ConversionContext, dtype: DType, shape: Shape | null = null): LayerOutputSpec {
  return { name: ctx.output(0), dtype, shape, valueKind: 'sequence' };
}

/** Element shape shared by every input, or null when they differ or are unknown. */
function commonShape(shapes: readonly (Shape | null | undefined)[]): Shape | null {
  const first = shapes[0];
  if (!first) return null;
  const same = shapes.every((s) => s && s.length === first.length && s.every((d, i) => d === first[i]));
  return same ? first : null;
}

const sequenceConstruct: Converter = {
  domain: 'ai.onnx',
  op: 'SequenceConstruct',
  sinceVersion: SINCE,
  convert(ctx) {
    const indices = ctx.node.inputs.map((_, i) => i).filter((i) => ctx.hasInput(i));
    if (indices.length === 0) throw ctx.error('SequenceConstruct needs at least one input');
    const dtype = dtypeOf(ctx, indices[0]!);
    const mixed = indices.find((i) => ctx.inputDType(i) !== undefined && ctx.inputDType(i) !== dtype);
    if (mixed !== undefined)
      throw ctx.error(`input ${mixed} is ${ctx.inputDType(mixed)}; input 0 is ${dtype}`, 'all elements of a sequence share one dtype');
    const shape = commonShape(indices.map((i) => ctx.inputShape(i)));
    ctx.addLayer(
      'sequence_construct',
      {},
      indices.map((i) => tensorIn(ctx, i)),
      [sequenceOut(ctx, dtype, shape)],
    );
  },
};

const sequenceEmpty: Converter = {
  domain: 'ai.onnx',
  op: 'SequenceEmpty',
  sinceVersion: SINCE,
  convert(ctx) {
    const dtype = dtypeAttr(ctx, 'dtype') ?? 'float32';
    if (dtype === 'invalid') throw ctx.error('the dtype attribute names a type kiln cannot represent');
    ctx.addLayer('sequence_empty', { dtype }, [], [sequenceOut(ctx, dtype)]);
  },
};

const sequenceAt: Converter = {
  domain: 'ai.onnx',
  op: 'SequenceAt',
  sinceVersion: SINCE,
  convert(ctx) {
    const seq = sequenceDesc(ctx, 0);
    ctx.addLayer('sequence_at', {}, [ctx.input(0), tensorIn(ctx, 1)], [out(ctx, 0, seq.dtype, seq.shape)]);
  },
};

const sequenceInsert: Converter = {
  domain: 'ai.onnx',
  op: 'SequenceInsert',
  sinceVersion: SINCE,
  convert(ctx) {
    const seq = sequenceDesc(ctx, 0);
    const tensorType = ctx.inputDType(1);
    if (tensorType !== undefined && tensorType !== seq.dtype)
      throw ctx.error(`cannot insert a ${tensorType} tensor into a sequence of ${seq.dtype}`);
    const inputs = [ctx.input(0), tensorIn(ctx, 1)];
    if (ctx.hasInput(2)) inputs.push(tensorIn(ctx, 2));
    const shape = commonShape([seq.shape, ctx.inputShape(1)]);
    ctx.addLayer('sequence_insert', {}, inputs, [sequenceOut(ctx, seq.dtype, shape)]);
  },
};

const sequenceErase: Converter = {
  domain: 'ai.onnx',
  op: 'SequenceErase',
  sinceVersion: SINCE,
  convert(ctx) {
    const seq = sequenceDesc(ctx, 0);
    const inputs = ctx.hasInput(1) ? [ctx.input(0), tensorIn(ctx, 1)] : [ctx.input(0)];
    ctx.addLayer('sequence_erase', {}, inputs, [sequenceOut(ctx, seq.dtype, seq.shape)]);
  },
};

const sequenceLength: Converter = {
  domain: 'ai.onnx',
  op: 'SequenceLength',
  sinceVersion: SINCE,
  convert(ctx) {
    sequenceDesc(ctx, 0);
    ctx.addLayer('sequence_length', {}, [ctx.input(0)], [out(ctx, 0, 'int64', [])]);
  },
};

const splitToSequence: Converter = {
  domain: 'ai.onnx',
  op: 'SplitToSequence',
  sinceVersion: SINCE,
  convert(ctx) {
    const axis = ctx.attrs.int('axis', 0);
    const keepDims = ctx.attrs.int('keepdims', 1) !== 0;
    const inputs = ctx.hasInput(1) ? [tensorIn(ctx, 0), tensorIn(ctx, 1)] : [tensorIn(ctx, 0)];
    ctx.addLayer('split_to_sequence', { axis, keepDims }, inputs, [sequenceOut(ctx, dtypeOf(ctx, 0))]);
  },
};

const concatFromSequence: Converter = {
  domain: 'ai.onnx',
  op: 'ConcatFromSequence',
  sinceVersion: SINCE,
  convert(ctx) {
    const seq = sequenceDesc(ctx, 0);
    const axis = ctx.attrs.int('axis');
    if (axis === undefined) throw ctx.error('the axis attribute is required');
    const newAxis = ctx.attrs.int('new_axis', 0) !== 0;
    ctx.addLayer('concat_from_sequence', { axis, newAxis }, [ctx.input(0)], [out(ctx, 0, seq.dtype, null)]);
  },
};

export const sequenceConverters: readonly Converter[] = [
  ...sequenceMapConverters,
  sequenceConstruct,
  sequenceEmpty,
  sequenceAt,
  sequenceInsert,
  sequenceErase,
  sequenceLength,
  splitToSequence,
  concatFromSequence,
];
