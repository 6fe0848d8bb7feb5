/**
 * A builder rule: one optimization (constant folding, conv+bn folding, a fusion …) as a small
 * object, like onnxruntime's graph transformers. The builder offers each layer whose kind is in
 * `targets` to `condition`, and calls `apply` on matches until no rule changes anything.
 *
 * Rules must replace layers (network.layers[index] = …, splice) rather than mutate a layer's
 * objects in place: the builder copies the layer list, not the layers, so the caller's network
 * stays as it was.
 */
import type { AnyLayer, LayerKind, Network } from '@kiln-inference/core';

export interface RuleMatch {
  network: Network;
  layer: AnyLayer;
  index: number;
}

export interface BuilderRule {
  /** Shown in progress events and recorded in the plan's build settings. */
  name: string;
  targets: readonly LayerKind[];
  condition(match: RuleMatch): boolean;
  /** Rewrites the network; returns a one-line description of what changed (for the build log). */
  apply(match: RuleMatch): string;
}
