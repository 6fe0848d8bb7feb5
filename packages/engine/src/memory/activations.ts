/**
 * The tensors the arena holds: every output of a non-constant layer, except views of tensors
 * outside the arena (network inputs, constants), which the executor reads in place. Each gets a
 * static byte size; a tensor whose shape or storage cannot be known is an error naming it.
 */
import { type AnyLayer, type DType, dtypeInfo, ErrorCode, formatShape, KilnError, type Network, shapeSize } from '@kiln-inference/core';
import { resolveStaticShapes } from './static-shapes.js';

export interface Activation {
  name: string;
  /** Index of the producing layer (its step). */
  step: number;
  dtype: DType;
  shape: readonly number[];
  elementBytes: number;
  bytes: number;
}

export interface ActivationSet {
  /** Arena tensors in production order. */
  activations: Map<string, Activation>;
  /** Views of a tensor outside the arena: name → the network input or constant they read. */
  externalViews: Map<string, string>;
}

/** Reshape-like layers: the output is the input's bytes under another shape. */
export function isReshapeView(layer: AnyLayer): boolean {
  switch (layer.kind) {
    case 'identity':
    case 'squeeze':
    case 'unsqueeze':
      return true;
    case 'shuffle':
      return isIdentityPermutation(layer.params.firstTranspose) && isIdentityPermutation(layer.params.secondTranspose);
    default:
      return false;
  }
}

function isIdentityPermutation(perm: readonly number[] | undefined): boolean {
  return !perm || perm.every((p, i) => p === i);
}

export function collectActivations(network: Network, givenShapes?: ReadonlyMap<string, readonly number[]>): ActivationSet {
  const shapes = resolveStaticShapes(network, givenShapes);
  const activations = new Map<string, Activation>();
  const externalViews = new Map<string, string>();
  network.layers.forEach((layer, step) => {
    if (layer.kind === 'constant') return;
    const source = layer.inputs[0];
    if (isReshapeView(layer) && source && !activations.has(source)) {
      // The source is a network input, a constant or a view of one of them: no arena bytes needed.
      for (const y of layer.outputs) if (y) externalViews.set(y, externalViews.get(source) ?? source);
      return;
    }
    for (const name of layer.outputs) {
      if (!name) continue;
      const context = { layer: { name: layer.name, kind: layer.kind, index: step } };
      const desc = network.tensors.get(name);
      if (desc?.valueKind === 'sequence') {
        throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `output '${name}' is a tensor sequence, which has no static size in the arena`, {
          ...context,
          hint: 'networks with sequence layers run on the CPU reference backend without a memory plan',
        });
      }
      const dtype = desc?.dtype ?? 'float32';
      const bits = dtypeInfo(dtype).bits;
      if (bits === 0) {
        throw new KilnError(ErrorCode.UNSUPPORTED_DTYPE, `output '${name}' is a ${dtype} tensor, which has no fixed size in the arena`, {
          ...context,
          hint: 'string tensors run on the CPU reference backend without a memory plan',
        });
      }
      const shape = shapes.get(name);
      if (!shape) {
        throw new KilnError(
          ErrorCode.INVALID_SHAPE,
          `the memory planner needs a static shape for tensor '${name}', which is ${formatShape(desc?.shape ?? null)}`,
          { ...context, hint: 'give static input shapes (PlanMemoryOptions.shapes, or fix the model input dims) so every shape is known' },
        );
      }
      // Sub-byte types are stored one element per byte (see dtype.ts), bool as one byte.
      const elementBytes = Math.ceil(bits / 8);
      activations.set(name, { name, step, dtype, shape, elementBytes, bytes: shapeSize(shape, context) * elementBytes });
    }
  });
  return { activations, externalViews };
}
