/**
 * The `fused_ops` lists of grappler's and TensorFlow.js's fused kernels (_FusedConv2D,
 * FusedDepthwiseConv2dNative, _FusedMatMul): a core op followed by BiasAdd or FusedBatchNorm,
 * optionally a residual Add, then an activation. Their extra operands are the node's inputs
 * after the core op's own, in list order (BiasAdd: bias; FusedBatchNorm: scale, offset, mean,
 * variance; Add: the addend; Prelu: alpha).
 */
import type { DType } from '@kiln-inference/core';
import type { ConversionContext, Support, ValidationContext } from '../converter.js';
import { ACTIVATIONS } from './activation.js';
import { batchNormSteps } from './batch-norm.js';
import type { DataFormat, Step } from './helpers.js';

const ARG_COUNT: Record<string, number> = { BiasAdd: 1, FusedBatchNorm: 4, Add: 1, AddV2: 1, Prelu: 1 };

export function fusedOps(ctx: ValidationContext): string[] {
  return ctx.attrs.strings('fused_ops', []);
}

export function validateFusedOps(ctx: ValidationContext): Support {
  for (const op of fusedOps(ctx)) {
    if (ARG_COUNT[op] === undefined && !ACTIVATIONS[op]) {
      return {
        supported: false,
        category: 'unsupported-attribute',
        reason: `fused op '${op}' is not supported (fused_ops = [${fusedOps(ctx).join(', ')}])`,
      };
    }
  }
  return { supported: true };
}

export interface FusedPlan {
  /** Bias tensor the core layer can take as its own input (a leading BiasAdd). */
  bias?: string;
  /** Layers that follow the core op, in order. */
  steps: Step[];
}

/**
 * Plans the fused tail. `firstArg` is the node input index of the first extra operand; when
 * `biasIntoCore` the leading BiasAdd becomes the core layer's bias input.
 */
export function planFusedOps(ctx: ConversionContext, firstArg: number, format: DataFormat, dtype: DType, biasIntoCore: boolean): FusedPlan {
  const ops = fusedOps(ctx);
  const plan: FusedPlan = { steps: [] };
  let arg = firstArg;
  const take = (): string => {
    if (!ctx.hasInput(arg))
      throw ctx.error(`fused_ops [${ops.join(', ')}] need more operands than the node has inputs`, 'the node is malformed');
    return ctx.input(arg++);
  };
  ops.forEach((op, i) => {
    if (op === 'BiasAdd') {
      const bias = take();
      if (i === 0 && biasIntoCore) plan.bias = bias;
      else
        plan.steps.push((x, spec) => ctx.addLayer('elementwise', { op: 'add' }, [x, channelVector(ctx, bias, format, dtype)], [spec])[0]!);
    } else if (op === 'FusedBatchNorm') {
      const bn = { scale: take(), offset: take(), mean: take(), variance: take() };
      plan.steps.push(...batchNormSteps(ctx, bn, ctx.attrs.float('epsilon', 1e-4), format, dtype));
    } else if (op === 'Add' || op === 'AddV2') {
      const addend = take();
      plan.steps.push((x, spec) => ctx.addLayer('elementwise', { op: 'add' }, [x, addend], [spec])[0]!);
    } else if (op === 'Prelu') {
      const alpha = take();
      plan.steps.push((x, spec) => ctx.addLayer('parametric_relu', {}, [x, alpha], [spec])[0]!);
    } else {
      const make = ACTIVATIONS[op];
      if (!make)
        throw ctx.error(
          `fused op '${op}' is not supported`,
          `supported: ${[...Object.keys(ARG_COUNT), ...Object.keys(ACTIVATIONS)].join(', ')}`,
        );
      const spec = make(ctx.attrs);
      plan.steps.push((x, out) => ctx.addLayer('activation', spec, [x], [out])[0]!);
    }
  });
  return plan;
}

/** A per-channel vector broadcast along the layout's channel axis. */
function channelVector(ctx: ConversionContext, v: string, format: DataFormat, dtype: DType): string {
  if (format === 'NHWC') return v;
  return ctx.addLayer('shuffle', { reshape: [-1, 1, 1] }, [v], [{ dtype }])[0]!;
}
