/**
 * Static shapes of every tensor the planner sizes. A shape comes from the caller, else the
 * network's TensorDesc when fully known, else the layer's LayerDef inference over its inputs'
 * facts (converters leave some intermediate tensors undeclared, such as the matmul inside a
 * lowered Gemm); no kernel runs. A layer whose shapes are inconsistent is left to the validators
 * and kernels: here its outputs keep their declarations, and whatever stays unknown the planner
 * reports by name.
 */
import { inferNetwork, isStaticShape, type Network } from '@kiln-inference/core';

type Shape = readonly number[];

export function resolveStaticShapes(network: Network, given?: ReadonlyMap<string, readonly number[]>): Map<string, Shape> {
  const facts = inferNetwork(network, { ...(given ? { shapes: given } : {}), declared: 'prefer', onError: 'declared' });
  const shapes = new Map<string, Shape>();
  for (const [name, f] of facts) {
    if (f.shape && isStaticShape(f.shape) && f.shape.every((d) => Number.isInteger(d) && d >= 0)) shapes.set(name, f.shape);
  }
  return shapes;
}
