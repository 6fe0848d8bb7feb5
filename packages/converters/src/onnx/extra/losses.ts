/**
 * NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss, lowered onto existing layers the way
 * their ONNX function bodies describe: the class score of each target is picked with an
 * elements-gather along the class axis (1), weighted, masked where target == ignore_index,
 * then reduced ('none' keeps [N, d1…], 'sum' adds, 'mean' divides by the summed weights).
 * SCE first takes log_softmax over the class axis and may expose it as a second output.
 */
import { type DType, Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter, Support, ValidationContext } from '../../converter.js';
import { SUPPORTED, unsupported } from '../../converter.js';
import { allOf, checkInputDTypes, FLOAT_TYPES, onnxConverter, requireDType } from '../math/common.js';

const REDUCTIONS = ['none', 'sum', 'mean'] as const;
type Reduction = (typeof REDUCTIONS)[number];
const TARGET_TYPES: readonly DType[] = ['int32', 'int64'];

function validateLoss(ctx: ValidationContext): Support {
  const reduction = ctx.attrs.string('reduction', 'mean');
  if (!(REDUCTIONS as readonly string[]).includes(reduction))
    return unsupported('unsupported-attribute', `reduction '${reduction}' must be one of ${REDUCTIONS.join(', ')}`);
  return allOf(
    () => checkInputDTypes(ctx, FLOAT_TYPES, [0]),
    () => checkInputDTypes(ctx, TARGET_TYPES, [1]),
    () => (ctx.hasInput(2) ? checkInputDTypes(ctx, FLOAT_TYPES, [2]) : SUPPORTED),
  );
}

/** A scalar constant of `dtype` (int64 values go through BigInt storage). */
function scalar(ctx: ConversionContext, dtype: DType, value: number, hint: string): string {
  return ctx.constant(Tensor.fromValues(dtype, [], [dtype === 'int64' ? BigInt(value) : value]), `${ctx.node.name || ctx.node.op}/${hint}`);
}

/** Inserts or removes the class axis (1) of a tensor. */
function classAxis(ctx: ConversionContext, kind: 'squeeze' | 'unsqueeze', input: string, dtype: DType): string {
  return ctx.addLayer(kind, { axes: [1] }, [input], [{ dtype }])[0]!;
}

function binary(ctx: ConversionContext, op: 'mul' | 'div' | 'equal', a: string, b: string, dtype: DType): string {
  return ctx.addLayer('elementwise', { op }, [a, b], [{ dtype }])[0]!;
}

function select(ctx: ConversionContext, cond: string, a: string, b: string, dtype: DType): string {
  return ctx.addLayer('select', {}, [cond, a, b], [{ dtype }])[0]!;
}

function reduceAll(ctx: ConversionContext, op: 'sum' | 'mean', x: string, dtype: DType, name?: string): string {
  const spec = name === undefined ? { dtype } : { name, dtype, shape: [] };
  return ctx.addLayer('reduce', { op, axes: null, keepDims: false }, [x], [spec])[0]!;
}

/**
 * The NLL part shared by both ops: `logProb` [N, C, d…] (float), target input 1, weight input 2.
 * Writes the loss to node output 0.
 */
function addNllLoss(ctx: ConversionContext, logProb: string, dtype: DType): void {
  const targetType = requireDType(ctx, 1);
  const reduction = ctx.attrs.string('reduction', 'mean') as Reduction;
  const ignoreIndex = ctx.attrs.int('ignore_index');
  let target = ctx.input(1);
  let ignored: string | undefined;
  if (ignoreIndex !== undefined) {
    // Ignored targets may be out of range (negative or ≥ C): point them at class 0 so the
    // gathers stay in bounds, and zero their weight below.
    ignored = binary(ctx, 'equal', target, scalar(ctx, targetType, ignoreIndex, 'ignore_index'), 'bool');
    target = select(ctx, ignored, scalar(ctx, targetType, 0, 'zero_index'), target, targetType);
  }
  const gatherParams = { mode: 'elements', axis: 1, batchDims: 0 } as const;
  const picked = ctx.addLayer('gather', gatherParams, [logProb, classAxis(ctx, 'unsqueeze', target, targetType)], [{ dtype }])[0]!;
  const negated = ctx.addLayer('unary', { op: 'neg' }, [classAxis(ctx, 'squeeze', picked, dtype)], [{ dtype }])[0]!;

  let weight: string | undefined;
  if (ctx.hasInput(2)) {
    weight = ctx.addLayer('gather', { mode: 'default', axis: 0, batchDims: 0 }, [ctx.input(2), target], [{ dtype }])[0]!;
  }
  if (ignored !== undefined) weight = select(ctx, ignored, scalar(ctx, dtype, 0, 'zero'), weight ?? scalar(ctx, dtype, 1, 'one'), dtype);
  const loss = weight === undefined ? negated : binary(ctx, 'mul', negated, weight, dtype);

  const output = ctx.output(0);
  if (reduction === 'none') {
    ctx.alias(0, loss);
  } else if (reduction === 'sum') {
    reduceAll(ctx, 'sum', loss, dtype, output);
  } else if (weight === undefined) {
    reduceAll(ctx, 'mean', loss, dtype, output);
  } else {
    // The gathered (or ignore-masked) weight already has the loss shape [N, d…].
    const total = reduceAll(ctx, 'sum', loss, dtype);
    const weightSum = reduceAll(ctx, 'sum', weight, dtype);
    ctx.addLayer('elementwise', { op: 'div' }, [total, weightSum], [{ name: output, dtype, shape: [] }]);
  }
}

const nllLoss = onnxConverter('NegativeLogLikelihoodLoss', (ctx) => addNllLoss(ctx, ctx.input(0), requireDType(ctx, 0)), {
  since: 12,
  dtypes: FLOAT_TYPES,
  validate: validateLoss,
  restrictions: 'lowered to gather/select/reduce layers',
});

const softmaxCrossEntropyLoss = onnxConverter(
  'SoftmaxCrossEntropyLoss',
  (ctx) => {
    const dtype = requireDType(ctx, 0);
    const logProbName = ctx.output(1);
    const logProb = ctx.addLayer(
      'softmax',
      { axis: 1, mode: 'log_softmax' },
      [ctx.input(0)],
      [logProbName ? { name: logProbName, dtype, shape: ctx.inputShape(0) ?? null } : { dtype }],
    )[0]!;
    addNllLoss(ctx, logProb, dtype);
  },
  { since: 12, dtypes: FLOAT_TYPES, validate: validateLoss, restrictions: 'lowered to log_softmax/gather/select/reduce layers' },
);

export const lossConverters: readonly Converter[] = [nllLoss, softmaxCrossEntropyLoss];
