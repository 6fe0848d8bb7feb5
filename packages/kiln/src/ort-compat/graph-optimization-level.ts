/**
 * onnxruntime's `graphOptimizationLevel` as a choice of Kiln builder rules. The levels nest as
 * onnxruntime's do; Kiln's rule groups (see @kiln-inference/engine default-rules.ts) fall into them:
 *   disabled  no rules: the network runs as imported;
 *   basic     clean-up that keeps every computation's meaning: constant folding, dead-layer and
 *             identity removal, shuffle and squeeze cancellation;
 *   extended  + folding of constants into weights (bias, scales, BatchNorm) and vertical fusion
 *             (residual add and activation into the conv/matmul epilogue);
 *   layout    + layout transformations: a resize's axes moved last between transposes (so an NHWC
 *             resize runs natively);
 *   all       every default rule, adding horizontal 1×1-conv fusion and concat elimination.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { type BuilderRule, defaultBuilderRules } from '@kiln-inference/engine';

/** onnxruntime's `graphOptimizationLevel` values, from no rules to every rule. */
export const GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'layout', 'all'] as const;
/** One of GRAPH_OPTIMIZATION_LEVELS. */
export type GraphOptimizationLevel = (typeof GRAPH_OPTIMIZATION_LEVELS)[number];

const BASIC = ['constant-folding', 'dead-layer-elimination', 'identity-removal', 'shuffle-cancellation', 'squeeze-cancellation'];
const EXTENDED = [
  ...BASIC,
  'bias-fusion',
  'elementwise-to-scale',
  'scale-merging',
  'scale-folding',
  'residual-fusion',
  'activation-fusion',
];

const LAYOUT = [...EXTENDED, 'resize-axes-last'];

/** The builder rules of a level, in the default order. */
export function rulesForLevel(level: unknown): readonly BuilderRule[] {
  if (!(GRAPH_OPTIMIZATION_LEVELS as readonly unknown[]).includes(level)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `graphOptimizationLevel ${JSON.stringify(level) ?? String(level)} is not a level`, {
      hint: `use one of ${GRAPH_OPTIMIZATION_LEVELS.map((l) => `'${l}'`).join(', ')}`,
    });
  }
  switch (level as GraphOptimizationLevel) {
    case 'disabled':
      return [];
    case 'basic':
      return defaultBuilderRules.filter((r) => BASIC.includes(r.name));
    case 'extended':
      return defaultBuilderRules.filter((r) => EXTENDED.includes(r.name));
    case 'layout':
      return defaultBuilderRules.filter((r) => LAYOUT.includes(r.name));
    case 'all':
      return defaultBuilderRules;
  }
}
