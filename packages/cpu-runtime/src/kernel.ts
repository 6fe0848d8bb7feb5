/**
 * The reference kernel contract. A kernel computes one layer's outputs from its inputs, shapes
 * included (everything is dynamic here). Kernels never mutate inputs; they allocate outputs.
 */
import type { Layer, LayerKind, Network, Tensor } from '@kiln-inference/core';
import type { RuntimeValue } from './runtime-value.js';

export interface KernelContext {
  /** Runs a sub-network (If/Loop/Scan bodies) with the given feeds and returns its outputs in order. */
  runSubnetwork(network: Network, feeds: Map<string, Tensor>): Tensor[];
  /** Like runSubnetwork, for bodies whose inputs or outputs may be tensor sequences (If/Loop). */
  runSubnetworkValues(network: Network, feeds: Map<string, RuntimeValue>): RuntimeValue[];
  /** Looks up a plugin kernel by namespace, name and version. */
  plugin(namespace: string, name: string, version: string): Kernel<'plugin'> | undefined;
}

/** Omitted optional inputs arrive as undefined. */
export type Kernel<K extends LayerKind = LayerKind> = (layer: Layer<K>, inputs: (Tensor | undefined)[], ctx: KernelContext) => Tensor[];

export type KernelTable = { [K in LayerKind]?: Kernel<K> };

/**
 * A kernel that sees runtime values as they are (sequence layers, pass-through layers): its
 * inputs and outputs may be tensor sequences. Tensor kernels above never receive sequences.
 */
export type ValueKernel<K extends LayerKind = LayerKind> = (
  layer: Layer<K>,
  inputs: (RuntimeValue | undefined)[],
  ctx: KernelContext,
) => RuntimeValue[];

export type ValueKernelTable = { [K in LayerKind]?: ValueKernel<K> };
