/**
 * TF shape and data-movement ops: identity-like ops, Reshape, Squeeze, ExpandDims, Transpose,
 * Pack/Unpack, Concat/ConcatV2, Split/SplitV, Slice, Pad/PadV2/MirrorPad, Tile, BroadcastTo,
 * Shape/ShapeN/Size/Rank, Fill/ZerosLike/OnesLike, Range and Cast.
 */
import { type DType, Tensor } from '@kiln-inference/core';
import { checkConstantShapeInput, checkOutputCount, checkRangeLength } from '../computed-sizes.js';
import type { ConversionContext, Converter } from '../converter.js';
import { constNumbers, inputDType, int64Const, out, tfConverter } from './helpers.js';
import { indicesAs } from './reduce.js';

const BIG = 2147483647;

/** Identity-like ops keep constants constant, so shape arithmetic downstream can read them. */
function convertIdentity(ctx: ConversionContext): void {
  const c = ctx.constantInput(0);
  if (c) ctx.addLayer('constant', { value: c }, [], [out(ctx, c.dtype)]);
  else ctx.alias(0, ctx.input(0));
}

function convertReshape(ctx: ConversionContext): void {
  const dtype = inputDType(ctx);
  const shape = ctx.constantInput(1);
  // TF reshape dims of 0 mean an empty dim, never "copy".
  if (shape) ctx.addLayer('shuffle', { reshape: constNumbers(ctx, 1, 'shape'), allowZero: true }, [ctx.input(0)], [out(ctx, dtype)]);
  else ctx.addLayer('shuffle', { allowZero: true }, [ctx.input(0), ctx.input(1)], [out(ctx, dtype)]);
}

function convertSqueeze(ctx: ConversionContext): void {
  const axes = ctx.attrs.ints('squeeze_dims', ctx.attrs.ints('axis', []));
  ctx.addLayer('squeeze', axes.length ? { axes } : {}, [ctx.input(0)], [out(ctx, inputDType(ctx))]);
}

function convertExpandDims(ctx: ConversionContext): void {
  const dtype = inputDType(ctx);
  if (ctx.constantInput(1)) ctx.addLayer('unsqueeze', { axes: constNumbers(ctx, 1, 'dim') }, [ctx.input(0)], [out(ctx, dtype)]);
  else ctx.addLayer('unsqueeze', {}, [ctx.input(0), ctx.input(1)], [out(ctx, dtype)]);
}

function convertTranspose(ctx: ConversionContext): void {
  ctx.addLayer('shuffle', { firstTranspose: constNumbers(ctx, 1, 'perm') }, [ctx.input(0)], [out(ctx, inputDType(ctx))]);
}

function convertPack(ctx: ConversionContext): void {
  const axis = ctx.attrs.int('axis', 0);
  const dtype = inputDType(ctx);
  const parts = ctx.node.inputs.map((_, i) => ctx.addLayer('unsqueeze', { axes: [axis] }, [ctx.input(i)], [{ dtype }])[0]!);
  ctx.addLayer('concatenation', { axis }, parts, [out(ctx, dtype)]);
}

/**
 * Unpack's `num` is required and must equal the unpacked dim: without it the outputs a model
 * reads do not say how many slices there are (an edited node can read one of a dim of 3).
 */
function unpackCount(ctx: ConversionContext, axis: number): number {
  const num = ctx.attrs.has('num') ? ctx.attrs.int('num', 0) : undefined;
  if (num === undefined) throw ctx.error("Unpack has no 'num' attribute", 'TF Unpack needs num, the length of the unpacked axis');
  if (!Number.isSafeInteger(num) || num < 0) throw ctx.error(`Unpack num must be an integer ≥ 0, got ${num}`);
  checkOutputCount(ctx, num);
  const shape = ctx.inputShape(0);
  if (shape) {
    const a = axis < 0 ? axis + shape.length : axis;
    if (!Number.isInteger(a) || a < 0 || a >= shape.length)
      throw ctx.error(`Unpack axis ${axis} is out of range for an input of rank ${shape.length}`);
    const dim = shape[a];
    if (typeof dim === 'number' && dim !== num) throw ctx.error(`Unpack num = ${num}, but the input's dim ${a} is ${dim}`);
  } else if (num === 0) {
    throw ctx.error('Unpack num = 0 needs an input whose unpacked dim is known to be 0');
  }
  return num;
}

function convertUnpack(ctx: ConversionContext): void {
  const axis = ctx.attrs.int('axis', 0);
  const num = unpackCount(ctx, axis);
  const dtype = inputDType(ctx);
  const parts = ctx.addLayer(
    'split',
    { axis, numOutputs: num },
    [ctx.input(0)],
    Array.from({ length: num }, () => ({ dtype })),
  );
  parts.forEach((p, i) => {
    if (ctx.output(i)) ctx.addLayer('squeeze', { axes: [axis] }, [p], [out(ctx, dtype, i)]);
  });
}

function concat(ctx: ConversionContext, valueInputs: number[], axisInput: number): void {
  const [axis] = constNumbers(ctx, axisInput, 'axis');
  const dtype = inputDType(ctx, valueInputs[0]);
  ctx.addLayer(
    'concatenation',
    { axis: axis! },
    valueInputs.map((i) => ctx.input(i)),
    [out(ctx, dtype)],
  );
}

function splitOutputs(ctx: ConversionContext, dtype: DType, count: number): { name: string; dtype: DType }[] {
  return Array.from({ length: count }, (_, i) => ({ name: ctx.output(i), dtype }));
}

function convertSplit(ctx: ConversionContext): void {
  const [axis] = constNumbers(ctx, 0, 'split_dim');
  const num = ctx.attrs.int('num_split', ctx.node.outputs.length);
  checkOutputCount(ctx, num);
  const dtype = inputDType(ctx, 1);
  ctx.addLayer('split', { axis: axis!, numOutputs: num }, [ctx.input(1)], splitOutputs(ctx, dtype, num));
}

function convertSplitV(ctx: ConversionContext): void {
  const [axis] = constNumbers(ctx, 2, 'split_dim');
  const sizes = constNumbers(ctx, 1, 'size_splits');
  const dtype = inputDType(ctx);
  const unknown = sizes.indexOf(-1);
  if (unknown >= 0) {
    const shape = ctx.inputShape(0);
    const dim = shape?.[axis! < 0 ? axis! + shape.length : axis!];
    if (typeof dim !== 'number')
      throw ctx.error('size_splits holds -1 but the split dimension is unknown', 'give the input a static shape');
    sizes[unknown] = dim - sizes.reduce((a, b, i) => (i === unknown ? a : a + b), 0);
  }
  const split = ctx.constant(Tensor.fromValues('int64', [sizes.length], sizes), `${ctx.node.name}/sizes`);
  ctx.addLayer('split', { axis: axis!, numOutputs: sizes.length }, [ctx.input(0), split], splitOutputs(ctx, dtype, sizes.length));
}

function convertSlice(ctx: ConversionContext): void {
  const begin = constNumbers(ctx, 1, 'begin');
  const size = constNumbers(ctx, 2, 'size');
  const ends = size.map((s, i) => (s === -1 ? BIG : begin[i]! + s));
  const axes = begin.map((_, i) => i);
  ctx.addLayer(
    'slice',
    {},
    [ctx.input(0), int64Const(ctx, begin, 'starts'), int64Const(ctx, ends, 'ends'), int64Const(ctx, axes, 'axes')],
    [out(ctx, inputDType(ctx))],
  );
}

function convertPad(ctx: ConversionContext, mode: 'constant' | 'reflect' | 'edge'): void {
  const paddings = constNumbers(ctx, 1, 'paddings');
  const rank = paddings.length / 2;
  const pads = [
    ...Array.from({ length: rank }, (_, i) => paddings[2 * i]!),
    ...Array.from({ length: rank }, (_, i) => paddings[2 * i + 1]!),
  ];
  const inputs = [ctx.input(0), int64Const(ctx, pads, 'pads')];
  if (mode === 'constant' && ctx.hasInput(2)) inputs.push(ctx.input(2));
  ctx.addLayer('padding', { mode }, inputs, [out(ctx, inputDType(ctx))]);
}

function convertMirrorPad(ctx: ConversionContext): void {
  const mode = ctx.attrs.string('mode', 'REFLECT');
  if (mode !== 'REFLECT') throw ctx.error(`MirrorPad mode '${mode}' is not supported`, 'kiln pads in REFLECT mode only');
  convertPad(ctx, 'reflect');
}

function shapeOf(ctx: ConversionContext, input: number, outputIndex: number): void {
  const shape = ctx.addLayer('shape', {}, [ctx.input(input)], [{ dtype: 'int64' }])[0]!;
  indicesAs(ctx, shape, ctx.attrs.type('out_type') ?? 'int32', outputIndex);
}

function convertFill(ctx: ConversionContext): void {
  const dtype = inputDType(ctx, 1);
  checkConstantShapeInput(ctx, 0, dtype);
  const value = ctx.constantInput(1);
  if (value && value.size === 1)
    ctx.addLayer('fill', { mode: 'constant_of_shape', dtype, value: value.getNumber(0) }, [ctx.input(0)], [out(ctx, dtype)]);
  else ctx.addLayer('expand', {}, [ctx.input(1), ctx.input(0)], [out(ctx, dtype)]);
}

function fillLike(ctx: ConversionContext, value: number): void {
  const dtype = inputDType(ctx);
  const shape = ctx.addLayer('shape', {}, [ctx.input(0)], [{ dtype: 'int64' }])[0]!;
  ctx.addLayer('fill', { mode: 'constant_of_shape', dtype, value }, [shape], [out(ctx, dtype)]);
}

const IDENTITY_OPS = [
  'Identity',
  'StopGradient',
  'Snapshot',
  'PreventGradient',
  'EnsureShape',
  'CheckNumerics',
  'ReadVariableOp',
  'PlaceholderWithDefault',
  // Print logs as a side effect and passes its first input through.
  'Print',
];

export const tfShapeConverters: Converter[] = [
  ...IDENTITY_OPS.map((op) => tfConverter(op, convertIdentity)),
  tfConverter('IdentityN', (ctx) => {
    for (let i = 0; i < ctx.node.outputs.length; i++) ctx.alias(i, ctx.input(i));
  }),
  tfConverter('Reshape', convertReshape),
  tfConverter('Squeeze', convertSqueeze),
  tfConverter('ExpandDims', convertExpandDims),
  tfConverter('Transpose', convertTranspose),
  tfConverter('Pack', convertPack),
  tfConverter('Unpack', convertUnpack),
  tfConverter('ConcatV2', (ctx) =>
    concat(
      ctx,
      ctx.node.inputs.slice(0, -1).map((_, i) => i),
      ctx.node.inputs.length - 1,
    ),
  ),
  tfConverter('Concat', (ctx) =>
    concat(
      ctx,
      ctx.node.inputs.slice(1).map((_, i) => i + 1),
      0,
    ),
  ),
  tfConverter('Split', convertSplit),
  tfConverter('SplitV', convertSplitV),
  tfConverter('Slice', convertSlice),
  tfConverter('Pad', (ctx) => convertPad(ctx, 'constant')),
  tfConverter('PadV2', (ctx) => convertPad(ctx, 'constant')),
  tfConverter('MirrorPad', convertMirrorPad),
  tfConverter('Tile', (ctx) => ctx.addLayer('tile', {}, [ctx.input(0), ctx.input(1)], [out(ctx, inputDType(ctx))])),
  tfConverter('BroadcastTo', (ctx) => ctx.addLayer('expand', {}, [ctx.input(0), ctx.input(1)], [out(ctx, inputDType(ctx))])),
  tfConverter('Shape', (ctx) => shapeOf(ctx, 0, 0)),
  tfConverter('ShapeN', (ctx) => {
    for (let i = 0; i < ctx.node.outputs.length; i++) shapeOf(ctx, i, i);
  }),
  tfConverter('Size', (ctx) => {
    const size = ctx.addLayer('size', {}, [ctx.input(0)], [{ dtype: 'int64' }])[0]!;
    indicesAs(ctx, size, ctx.attrs.type('out_type') ?? 'int32', 0);
  }),
  tfConverter('Rank', (ctx) => {
    const shape = ctx.addLayer('shape', {}, [ctx.input(0)], [{ dtype: 'int64' }])[0]!;
    const rank = ctx.addLayer('size', {}, [shape], [{ dtype: 'int64' }])[0]!;
    indicesAs(ctx, rank, 'int32', 0);
  }),
  tfConverter('Fill', convertFill),
  tfConverter('ZerosLike', (ctx) => fillLike(ctx, 0)),
  tfConverter('OnesLike', (ctx) => fillLike(ctx, 1)),
  tfConverter('Range', (ctx) => {
    const dtype = ctx.attrs.type('Tidx') ?? inputDType(ctx);
    checkRangeLength(ctx, dtype);
    ctx.addLayer('fill', { mode: 'range', dtype }, [ctx.input(0), ctx.input(1), ctx.input(2)], [out(ctx, dtype)]);
  }),
  tfConverter('Cast', (ctx) => {
    const to = ctx.attrs.type('DstT');
    if (!to) throw ctx.error("Cast has no 'DstT' type attribute");
    ctx.addLayer('cast', { to }, [ctx.input(0)], [out(ctx, to)]);
  }),
];
