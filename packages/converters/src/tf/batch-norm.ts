/**
 * Inference batch normalization, y = (x − mean) · scale / √(var + ε) + offset, for
 * FusedBatchNorm/V2/V3 and the FusedBatchNorm entry of fused_ops. With constant statistics it
 * folds to one multiply and one add by per-channel constants; otherwise it is computed.
 */
import { type DType, Tensor } from '@kiln-inference/core';
import type { ConversionContext, Converter } from '../converter.js';
import { binary, unary } from './elementwise.js';
import { type DataFormat, dataFormat, inputDType, out, type Step, scalarConst, tfConverter } from './helpers.js';

export interface BatchNormInputs {
  scale: string;
  offset: string;
  mean: string;
  variance: string;
}

function constantOf(ctx: ConversionContext, tensor: string): Tensor | undefined {
  const producer = ctx.network.layers.find((l) => l.outputs.includes(tensor));
  return producer?.kind === 'constant' ? producer.params.value : undefined;
}

/** Per-channel constant shaped to broadcast along the channel axis of the layout. */
function channelConst(ctx: ConversionContext, values: Float32Array, format: DataFormat, hint: string): string {
  const shape = format === 'NHWC' ? [values.length] : [values.length, 1, 1];
  return ctx.constant(new Tensor('float32', shape, values), `${ctx.node.name}/${hint}`);
}

/** The steps computing batch norm on x (output of the last step is y). */
export function batchNormSteps(ctx: ConversionContext, bn: BatchNormInputs, epsilon: number, format: DataFormat, dtype: DType): Step[] {
  const consts = [bn.scale, bn.offset, bn.mean, bn.variance].map((t) => constantOf(ctx, t));
  if (consts.every((c): c is Tensor => c !== undefined) && dtype === 'float32') {
    const [scale, offset, mean, variance] = consts.map((c) => c.toFloat64());
    const n = scale!.length;
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = scale![i]! / Math.sqrt(variance![i]! + epsilon);
      b[i] = offset![i]! - mean![i]! * a[i]!;
    }
    const mul = channelConst(ctx, a, format, 'bn_multiplier');
    const add = channelConst(ctx, b, format, 'bn_offset');
    return [(x, spec) => ctx.addLayer('elementwise', { op: 'add' }, [binary(ctx, 'mul', x, mul, dtype, false), add], [spec])[0]!];
  }
  const reshape = (t: string): string => (format === 'NHWC' ? t : ctx.addLayer('shuffle', { reshape: [-1, 1, 1] }, [t], [{ dtype }])[0]!);
  return [
    (x, spec) => {
      const varEps = binary(ctx, 'add', bn.variance, scalarConst(ctx, dtype, epsilon, 'epsilon'), dtype, false);
      const multiplier = binary(
        ctx,
        'mul',
        bn.scale,
        unary(ctx, 'reciprocal', unary(ctx, 'sqrt', varEps, dtype, false), dtype, false),
        dtype,
        false,
      );
      const centered = binary(ctx, 'sub', x, reshape(bn.mean), dtype, false);
      const scaled = binary(ctx, 'mul', centered, reshape(multiplier), dtype, false);
      return ctx.addLayer('elementwise', { op: 'add' }, [scaled, reshape(bn.offset)], [spec])[0]!;
    },
  ];
}

function convertFusedBatchNorm(ctx: ConversionContext): void {
  if (ctx.attrs.bool('is_training', false)) {
    throw ctx.error(
      'training-mode batch normalization (is_training = true) computes batch statistics',
      'freeze the graph for inference (is_training = false)',
    );
  }
  const dtype = inputDType(ctx);
  const bn = { scale: ctx.input(1), offset: ctx.input(2), mean: ctx.input(3), variance: ctx.input(4) };
  const [step] = batchNormSteps(ctx, bn, ctx.attrs.float('epsilon', 1e-4), dataFormat(ctx), dtype);
  step!(ctx.input(0), out(ctx, dtype));
  // Outputs 1..: the statistics; at inference they are the moving mean and variance.
  const stats = [bn.mean, bn.variance, bn.mean, bn.variance, bn.mean];
  for (let i = 1; i < ctx.node.outputs.length; i++) ctx.alias(i, stats[i - 1]!);
}

export const tfBatchNormConverters: Converter[] = ['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3'].map((op) =>
  tfConverter(op, convertFusedBatchNorm),
);
