/**
 * The builder's rule list, in the order rules are tried (each rule sweeps the whole network
 * before the next one starts, and the list repeats until nothing changes):
 *   1. clean-up: constant folding, dead-layer elimination, identity removal, moving a resize's
 *      axes last (between two transposes), then shuffle and squeeze/unsqueeze cancellation
 *      (which leave identities and dead layers behind);
 *   2. folding: a constant add becomes a conv bias or matmul epilogue bias before the remaining
 *      constant mul/add/sub/div turn into scales, consecutive scales merge, and a scale after a
 *      conv/matmul folds into its weights (BatchNorm folding);
 *   3. vertical fusion: residual add, then activation, into the conv/matmul epilogue;
 *   4. horizontal fusion of sibling 1×1 convolutions (after their activations have fused);
 *   5. concat elimination last, once every producer has its final shape and name.
 * One rule per file in ./rules/.
 */
import type { BuilderRule } from './builder-rule.js';
import { activationFusion } from './rules/activation-fusion.js';
import { biasFusion } from './rules/bias-fusion.js';
import { concatElimination } from './rules/concat-elimination.js';
import { constantFolding } from './rules/constant-folding.js';
import { deadLayerElimination } from './rules/dead-layer-elimination.js';
import { elementwiseToScale } from './rules/elementwise-to-scale.js';
import { horizontalConvFusion } from './rules/horizontal-conv-fusion.js';
import { identityRemoval } from './rules/identity-removal.js';
import { residualFusion } from './rules/residual-fusion.js';
import { resizeAxesLast } from './rules/resize-axes-last.js';
import { scaleFolding } from './rules/scale-folding.js';
import { scaleMerging } from './rules/scale-merging.js';
import { shuffleCancellation } from './rules/shuffle-cancellation.js';
import { squeezeCancellation } from './rules/squeeze-cancellation.js';

export const defaultBuilderRules: readonly BuilderRule[] = [
  constantFolding,
  deadLayerElimination,
  identityRemoval,
  resizeAxesLast,
  shuffleCancellation,
  squeezeCancellation,
  biasFusion,
  elementwiseToScale,
  scaleMerging,
  scaleFolding,
  residualFusion,
  activationFusion,
  horizontalConvFusion,
  concatElimination,
];
