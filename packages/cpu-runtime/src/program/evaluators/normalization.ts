/** The normalization family: softmax and lrn. */
import { type FamilyEvaluators, layer, run } from '../evaluator.js';
export const normalizationEvaluators: FamilyEvaluators<'softmax' | 'lrn'> = {
  softmax: (op, t) => run(layer('softmax', { axis: op.axis, mode: op.log ? 'log_softmax' : 'softmax' }, 1), [t.x]),
  lrn: (op, t) => run(layer('lrn', { size: op.size, alpha: op.alpha, beta: op.beta, bias: op.bias }, 1), [t.x]),
};
