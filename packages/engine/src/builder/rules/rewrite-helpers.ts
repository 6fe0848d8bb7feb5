/**
 * Small questions and edits the fusion rules share: a tensor's static shape, whether one layer
 * is a tensor's only reader (so rewriting both changes nothing else), and new weight constants.
 */
import { type AnyLayer, isStaticShape, type Layer, type Network, type Tensor } from '@kiln-inference/core';
import type { NetworkIndex } from './network-index.js';

/** The tensor's declared shape when every dim is a number; rules that need it do not fire otherwise. */
export function staticShape(network: Network, name: string): number[] | undefined {
  const shape = network.tensors.get(name)?.shape;
  return shape && isStaticShape(shape) ? [...shape] : undefined;
}

/**
 * The static output shape of a matmul: declared, or computed from its operands' static shapes
 * (converters leave Gemm's product undeclared). numpy matmul: 1-D operands promoted, batch dims broadcast.
 */
export function matmulOutputShape(network: Network, layer: Layer<'matrix_multiply'>): number[] | undefined {
  const declared = staticShape(network, layer.outputs[0] ?? '');
  if (declared) return declared;
  const a = staticShape(network, layer.inputs[0] ?? '');
  const b = staticShape(network, layer.inputs[1] ?? '');
  if (!a || !b || a.length === 0 || b.length === 0) return undefined;
  const { transposeA, transposeB } = layer.params;
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const [m, k] = transposeA ? [a2.at(-1)!, a2.at(-2)!] : [a2.at(-2)!, a2.at(-1)!];
  const [kb, n] = transposeB ? [b2.at(-1)!, b2.at(-2)!] : [b2.at(-2)!, b2.at(-1)!];
  if (k !== kb) return undefined;
  const batchA = a2.slice(0, -2);
  const batchB = b2.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const batch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = batchA[i - rank + batchA.length] ?? 1;
    const db = batchB[i - rank + batchB.length] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    batch.push(da === 1 ? db : da);
  }
  return [...batch, ...(a.length === 1 ? [] : [m]), ...(b.length === 1 ? [] : [n])];
}

export function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The one layer reading `tensor`, when nothing else does: not a network output, not captured
 * by a sub-network and read once. Fusing producer and reader then hides no value anyone needs.
 */
export function soleReader(network: Network, index: NetworkIndex, tensor: string): { layer: AnyLayer; at: number } | undefined {
  if (!tensor || index.outputs.has(tensor) || index.captured.has(tensor)) return undefined;
  const readers = index.readers.get(tensor) ?? [];
  if (readers.length !== 1) return undefined;
  return { layer: network.layers[readers[0]!]!, at: readers[0]! };
}

/** A `constant` layer holding `value` under a fresh name (its tensor is declared in the network). */
export function newConstantLayer(network: Network, base: string, value: Tensor): AnyLayer {
  const name = network.uniqueName(base);
  network.tensors.set(name, { name, dtype: value.dtype, shape: [...value.shape] });
  return { name, kind: 'constant', inputs: [], outputs: [name], params: { value } } as AnyLayer;
}

/**
 * The axis along which a constant varies when it broadcasts against a tensor of `shape`: 'scalar'
 * for one element, the axis when exactly one (statically known) dim of `shape` matches its only
 * non-unit dim, undefined otherwise (it would grow the other operand, or varies along several axes).
 */
export function broadcastAxis(constant: Tensor, shape: readonly (number | string | null)[]): number | 'scalar' | undefined {
  if (constant.rank > shape.length) return undefined;
  if (constant.size === 1) return 'scalar';
  const offset = shape.length - constant.rank;
  let axis: number | undefined;
  for (let i = 0; i < constant.rank; i++) {
    if (constant.shape[i] === 1) continue;
    if (axis !== undefined) return undefined;
    axis = i + offset;
  }
  if (axis === undefined || shape[axis] !== constant.shape[axis - offset]) return undefined;
  return axis;
}
