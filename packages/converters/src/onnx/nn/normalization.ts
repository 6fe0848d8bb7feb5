/**
 * ONNX normalization ops. BatchNormalization (inference) folds into a per-channel `scale` layer —
 * computed at conversion time when mean/var/scale/bias are constants, else by a few 1-D layers —
 * and, in training mode, normalizes with batch statistics and updates the running ones.
 * Instance/Layer/Group/RMS/MeanVariance normalization map to `normalization`; LRN and
 * LpNormalization to their own layers.
 */
import { type DType, Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter, Support, ValidationContext } from '../../converter.js';
import { unsupported } from '../../converter.js';
import { checkDType, FLOAT_TYPES } from './conv.js';

/** ONNX TensorProto element type codes that stash_type may name. */
const STASH_TYPES: Record<number, DType> = { 1: 'float32', 10: 'float16', 11: 'float64', 16: 'bfloat16' };

function floatInput(ctx: ValidationContext): Support {
  return checkDType(ctx, 0, FLOAT_TYPES);
}

function scalar(ctx: ConversionContext, dtype: DType, value: number): string {
  return ctx.constant(Tensor.fromValues(dtype, [], [value]));
}

function binary(ctx: ConversionContext, op: 'add' | 'sub' | 'mul' | 'div', a: string, b: string, dtype: DType, name?: string): string {
  return ctx.addLayer('elementwise', { op }, [a, b], [{ ...(name ? { name } : {}), dtype }])[0]!;
}

/** BN is in training mode when opset ≥ 14 says so, or (older opsets) when running stats are requested. */
function isTraining(ctx: ValidationContext): boolean {
  if (ctx.opset >= 14) return ctx.attrs.int('training_mode', 0) === 1;
  if (ctx.opset < 7 && ctx.attrs.has('is_test')) return ctx.attrs.int('is_test', 0) === 0 && ctx.node.outputs.filter(Boolean).length > 1;
  return ctx.node.outputs.filter(Boolean).length > 1;
}

/** y = x * s + (bias - mean * s) with s = scale / sqrt(var + eps), per channel. */
function batchNormInference(ctx: ConversionContext, dtype: DType, epsilon: number): void {
  const consts = [1, 2, 3, 4].map((i) => ctx.constantInput(i));
  let shift: string;
  let factor: string;
  if (consts.every((c) => c !== undefined)) {
    const [scale, bias, mean, variance] = consts.map((c) => c!.toFloat64());
    const s = scale!.map((v, c) => v / Math.sqrt(variance![c]! + epsilon));
    const b = bias!.map((v, c) => v - mean![c]! * s[c]!);
    factor = ctx.constant(Tensor.fromValues(dtype, [s.length], Array.from(s)), `${ctx.node.name || 'bn'}/folded_scale`);
    shift = ctx.constant(Tensor.fromValues(dtype, [b.length], Array.from(b)), `${ctx.node.name || 'bn'}/folded_shift`);
  } else {
    const pDType = ctx.inputDType(1) ?? dtype;
    const std = ctx.addLayer(
      'unary',
      { op: 'sqrt' },
      [binary(ctx, 'add', ctx.input(4), scalar(ctx, pDType, epsilon), pDType)],
      [{ dtype: pDType }],
    )[0]!;
    factor = binary(ctx, 'div', ctx.input(1), std, pDType);
    shift = binary(ctx, 'sub', ctx.input(2), binary(ctx, 'mul', ctx.input(3), factor, pDType), pDType);
  }
  ctx.addLayer('scale', { mode: 'channel', channelAxis: 1 }, [ctx.input(0), shift, factor, ''], [{ name: ctx.output(0), dtype }]);
}

/** Normalizes with batch statistics; outputs running mean/var = old·momentum + batch·(1 - momentum). */
function batchNormTraining(ctx: ConversionContext, dtype: DType, epsilon: number, rank: number): void {
  const momentum = ctx.attrs.float('momentum', 0.9);
  const axes = Array.from({ length: rank }, (_, i) => i).filter((a) => a !== 1);
  const [, mean, invStd] = ctx.addLayer(
    'normalization',
    { axes, epsilon, numGroups: 1, channelAxis: 1, kind: 'batch' },
    [ctx.input(0), ctx.input(1), ctx.input(2)],
    [{ name: ctx.output(0), dtype }, { dtype }, { dtype }],
  );
  const flat = (t: string) => ctx.addLayer('shuffle', { reshape: [-1] }, [t], [{ dtype }])[0]!;
  const batchMean = flat(mean!);
  const invVar = binary(ctx, 'mul', invStd!, invStd!, dtype);
  const batchVar = flat(
    binary(ctx, 'sub', ctx.addLayer('unary', { op: 'reciprocal' }, [invVar], [{ dtype }])[0]!, scalar(ctx, dtype, epsilon), dtype),
  );
  const blend = (running: number, batch: string, out: number) => {
    if (!ctx.output(out)) return;
    const kept = binary(ctx, 'mul', ctx.input(running), scalar(ctx, dtype, momentum), dtype);
    const added = binary(ctx, 'mul', batch, scalar(ctx, dtype, 1 - momentum), dtype);
    binary(ctx, 'add', kept, added, dtype, ctx.output(out));
  };
  blend(3, batchMean, 1);
  blend(4, batchVar, 2);
}

const batchNormalization: Converter = {
  domain: 'ai.onnx',
  op: 'BatchNormalization',
  dtypes: FLOAT_TYPES,
  restrictions: 'inference folds to a per-channel scale; training mode needs a known input rank; spatial=0 unsupported',
  validate(ctx) {
    if (ctx.attrs.has('spatial') && ctx.attrs.int('spatial', 1) === 0)
      return unsupported('unsupported-attribute', 'spatial=0 (per-activation statistics) is not supported');
    if (isTraining(ctx)) {
      if (ctx.opset < 9)
        return unsupported(
          'unsupported-attribute',
          `training-mode outputs of BatchNormalization-${ctx.opset} (saved mean/var) are not supported`,
        );
      const shape = ctx.inputShape(0);
      if (!shape) return unsupported('dynamic-shape', 'training mode needs the input rank');
    }
    return floatInput(ctx);
  },
  convert(ctx) {
    const dtype = ctx.inputDType(0) ?? 'float32';
    const epsilon = ctx.attrs.float('epsilon', 1e-5);
    if (isTraining(ctx)) batchNormTraining(ctx, dtype, epsilon, ctx.inputShape(0)!.length);
    else batchNormInference(ctx, dtype, epsilon);
  },
};

/** Axes [axis, rank) — negative when the rank is unknown and the axis counts from the end. */
function trailingAxes(ctx: ValidationContext, axis: number): number[] | undefined {
  const rank = ctx.inputShape(0)?.length;
  if (rank !== undefined) {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) return undefined;
    return Array.from({ length: rank - a }, (_, i) => a + i);
  }
  if (axis < 0) return Array.from({ length: -axis }, (_, i) => axis + i);
  return undefined;
}

function statsType(ctx: ValidationContext): DType {
  return STASH_TYPES[ctx.attrs.int('stash_type', 1)] ?? 'float32';
}

function validateTrailing(ctx: ValidationContext): Support {
  if (!trailingAxes(ctx, ctx.attrs.int('axis', -1))) {
    return unsupported('dynamic-shape', `axis ${ctx.attrs.int('axis', -1)} needs a known input rank (or is out of range)`);
  }
  if (!(ctx.attrs.int('stash_type', 1) in STASH_TYPES))
    return unsupported('unsupported-attribute', `stash_type ${ctx.attrs.int('stash_type', 1)} is not a float type`);
  return floatInput(ctx);
}

function trailingNorm(op: string, kind: 'layer' | 'rms'): Converter {
  return {
    domain: 'ai.onnx',
    op,
    dtypes: FLOAT_TYPES,
    restrictions: 'statistics over axes [axis, rank); positive axis needs a known rank',
    validate: validateTrailing,
    convert(ctx) {
      const dtype = ctx.inputDType(0) ?? 'float32';
      const stashType = statsType(ctx);
      const axes = trailingAxes(ctx, ctx.attrs.int('axis', -1))!;
      const outputs = [{ name: ctx.output(0), dtype }];
      for (const i of [1, 2]) if (ctx.output(i)) outputs[i] = { name: ctx.output(i), dtype: stashType };
      for (let i = 0; i < outputs.length; i++) outputs[i] ??= { name: '', dtype: stashType };
      const epsilon = ctx.attrs.float('epsilon', 1e-5);
      ctx.addLayer(
        'normalization',
        { axes, epsilon, numGroups: 1, channelAxis: 1, kind, stashType },
        [ctx.input(0), ctx.input(1), ctx.input(2)],
        outputs,
      );
    },
  };
}

/** Spatial axes [2, rank), or [] (the kernel's "all axes after the channel") when rank is unknown. */
function spatialAxes(ctx: ValidationContext): number[] {
  const rank = ctx.inputShape(0)?.length;
  return rank === undefined ? [] : Array.from({ length: rank - 2 }, (_, i) => i + 2);
}

const instanceNormalization: Converter = {
  domain: 'ai.onnx',
  op: 'InstanceNormalization',
  dtypes: FLOAT_TYPES,
  validate: floatInput,
  convert(ctx) {
    const dtype = ctx.inputDType(0) ?? 'float32';
    const params = {
      axes: spatialAxes(ctx),
      epsilon: ctx.attrs.float('epsilon', 1e-5),
      numGroups: 1,
      channelAxis: 1,
      kind: 'instance' as const,
    };
    ctx.addLayer('normalization', params, [ctx.input(0), ctx.input(1), ctx.input(2)], [{ name: ctx.output(0), dtype }]);
  },
};

const groupNormalization: Converter = {
  domain: 'ai.onnx',
  op: 'GroupNormalization',
  dtypes: FLOAT_TYPES,
  restrictions: 'scale/bias per group (opset 18) or per channel (opset 21)',
  validate(ctx) {
    const groups = ctx.attrs.int('num_groups');
    if (groups === undefined || !Number.isInteger(groups) || groups < 1)
      return unsupported('unsupported-attribute', 'num_groups must be a positive integer');
    return floatInput(ctx);
  },
  convert(ctx) {
    const dtype = ctx.inputDType(0) ?? 'float32';
    const params = {
      axes: spatialAxes(ctx),
      epsilon: ctx.attrs.float('epsilon', 1e-5),
      numGroups: ctx.attrs.int('num_groups', 1),
      channelAxis: 1,
      kind: 'group' as const,
      stashType: statsType(ctx),
    };
    ctx.addLayer('normalization', params, [ctx.input(0), ctx.input(1), ctx.input(2)], [{ name: ctx.output(0), dtype }]);
  },
};

const meanVarianceNormalization: Converter = {
  domain: 'ai.onnx',
  op: 'MeanVarianceNormalization',
  dtypes: FLOAT_TYPES,
  restrictions: 'MVN-1 normalize_variance=0 (mean only) unsupported',
  validate(ctx) {
    if (ctx.opset < 9 && ctx.attrs.int('normalize_variance', 1) === 0)
      return unsupported('unsupported-attribute', 'normalize_variance=0 (subtract the mean only) is not supported');
    return floatInput(ctx);
  },
  convert(ctx) {
    const dtype = ctx.inputDType(0) ?? 'float32';
    // MVN-1 chose per-channel or across-channel statistics per sample; MVN-9 lists the axes.
    const legacyAxes = ctx.attrs.int('across_channels', 0) === 1 ? [1, 2, 3] : [2, 3];
    const axes = ctx.opset < 9 ? legacyAxes : ctx.attrs.ints('axes', [0, 2, 3]);
    // ONNX divides by (std + 1e-9); a 1e-18 variance epsilon matches that to float precision.
    const params = { axes, epsilon: 1e-18, numGroups: 1, channelAxis: 1, kind: 'layer' as const };
    ctx.addLayer('normalization', params, [ctx.input(0), '', ''], [{ name: ctx.output(0), dtype }]);
  },
};

const lrn: Converter = {
  domain: 'ai.onnx',
  op: 'LRN',
  dtypes: FLOAT_TYPES,
  validate(ctx) {
    const size = ctx.attrs.int('size');
    if (size === undefined || !Number.isInteger(size) || size < 1)
      return unsupported('unsupported-attribute', 'size must be a positive integer');
    return floatInput(ctx);
  },
  convert(ctx) {
    const params = {
      size: ctx.attrs.int('size', 1),
      alpha: ctx.attrs.float('alpha', 1e-4),
      beta: ctx.attrs.float('beta', 0.75),
      bias: ctx.attrs.float('bias', 1),
    };
    ctx.addLayer('lrn', params, [ctx.input(0)], [{ name: ctx.output(0), dtype: ctx.inputDType(0) ?? 'float32' }]);
  },
};

const lpNormalization: Converter = {
  domain: 'ai.onnx',
  op: 'LpNormalization',
  dtypes: FLOAT_TYPES,
  validate(ctx) {
    const p = ctx.attrs.int('p', 2);
    if (p !== 1 && p !== 2) return unsupported('unsupported-attribute', `p ${p} must be 1 or 2`);
    return floatInput(ctx);
  },
  convert(ctx) {
    const p = ctx.attrs.int('p', 2) === 1 ? (1 as const) : (2 as const);
    ctx.addLayer(
      'lp_normalization',
      { axis: ctx.attrs.int('axis', -1), p },
      [ctx.input(0)],
      [{ name: ctx.output(0), dtype: ctx.inputDType(0) ?? 'float32' }],
    );
  },
};

export const normalizationConverters: readonly Converter[] = [
  batchNormalization,
  instanceNormalization,
  trailingNorm('LayerNormalization', 'layer'),
  trailingNorm('RMSNormalization', 'rms'),
  groupNormalization,
  meanVarianceNormalization,
  lrn,
  lpNormalization,
];
