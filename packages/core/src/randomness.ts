/**
 * Which operations draw random numbers. Folding one at build time or session creation would
 * freeze a single draw into every run, so every folder (the builder's constant folding, the
 * hybrid executor's build-time values and constant steps) asks here instead of keeping its own
 * list.
 */
import type { AnyLayer } from './layers.js';

/**
 * Framework ops (ONNX and TensorFlow spellings) whose outputs differ between runs. Stateless
 * TensorFlow random ops are absent: their seed input fixes the draw. Dropout is listed because
 * in training mode it masks at random; folding it is never worth the risk.
 */
export const RANDOM_GRAPH_OPS: ReadonlySet<string> = new Set([
  // ONNX
  'RandomUniform',
  'RandomNormal',
  'RandomUniformLike',
  'RandomNormalLike',
  'Multinomial',
  'Bernoulli',
  'Dropout',
  // TensorFlow
  'RandomUniformInt',
  'RandomStandardNormal',
  'TruncatedNormal',
  'ParameterizedTruncatedNormal',
  'RandomShuffle',
  'RandomGamma',
  'RandomPoisson',
  'RandomPoissonV2',
  'RandomCrop',
]);

/** Whether a framework graph node (by op type) produces a new random draw each run. */
export function isRandomGraphOp(op: string): boolean {
  return RANDOM_GRAPH_OPS.has(op);
}

/** Whether a layer produces a new random draw each run. */
export function isRandomLayer(layer: AnyLayer): boolean {
  return layer.kind === 'fill' && (layer.params.mode === 'random_uniform' || layer.params.mode === 'random_normal');
}
