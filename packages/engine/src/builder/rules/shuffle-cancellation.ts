/**
 * Transpose/reshape cancellation on `shuffle` layers (transpose → reshape → transpose):
 *   - a shuffle reading another shuffle's output reads that shuffle's input instead, with the
 *     two composed into one when that fits one shuffle (transposes multiply; a reshape-only
 *     pair collapses to the second reshape); the first stays only while something else reads it;
 *   - a shuffle that leaves its input as it is (on a statically known shape: the same shape
 *     and no reordering of non-unit axes, or identity permutations and no reshape) becomes an
 *     `identity`, which identity removal then drops.
 * Layout transposes that converters insert around NHWC graphs cancel this way.
 */
import type { AnyLayer, Layer, Network } from '@kiln-inference/core';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { constantValue, indexNetwork } from './network-index.js';
import { sameDims, staticShape } from './rewrite-helpers.js';

/** A shuffle with everything static: permutations normalised, reshape dims known at build time. */
interface ShuffleSpec {
  first?: number[];
  reshape?: { dims: number[]; allowZero: boolean };
  second?: number[];
}

type Rewrite = { kind: 'identity' } | { kind: 'compose'; source: string; spec: ShuffleSpec; from: string };

export const shuffleCancellation: BuilderRule = {
  name: 'shuffle-cancellation',
  targets: ['shuffle'],
  condition: (match) => rewriteOf(match) !== undefined,
  apply({ network, layer, index }) {
    const rewrite = rewriteOf({ network, layer, index })!;
    const { name, outputs, precision, origin } = layer;
    const keep = { ...(precision ? { precision } : {}), ...(origin ? { origin } : {}) };
    if (rewrite.kind === 'identity') {
      network.layers[index] = { name, kind: 'identity', inputs: [layer.inputs[0]!], outputs, params: {}, ...keep } as AnyLayer;
      return `shuffle leaves '${layer.inputs[0]}' unchanged → identity`;
    }
    network.layers[index] = {
      name,
      kind: 'shuffle',
      inputs: [rewrite.source],
      outputs,
      params: toParams(rewrite.spec),
      ...keep,
    } as AnyLayer;
    return `composed with shuffle '${rewrite.from}': now reads '${rewrite.source}' (${describe(rewrite.spec)})`;
  },
};

function rewriteOf({ network, layer }: RuleMatch): Rewrite | undefined {
  if (layer.kind !== 'shuffle' || layer.outputs.length !== 1 || !layer.inputs[0]) return undefined;
  const index = indexNetwork(network);
  const spec = specOf(network, layer);
  if (!spec) return undefined;
  const x = layer.inputs[0];
  const xDesc = network.tensors.get(x);
  const yDesc = network.tensors.get(layer.outputs[0]!);
  if (!xDesc || !yDesc || xDesc.dtype !== yDesc.dtype || (xDesc.valueKind ?? 'tensor') !== 'tensor') return undefined;
  if (leavesUnchanged(spec, staticShape(network, x))) return { kind: 'identity' };
  const at = index.producers.get(x);
  const previous = at === undefined ? undefined : network.layers[at]!;
  if (previous?.kind !== 'shuffle' || previous.outputs.length !== 1 || !previous.inputs[0]) return undefined;
  const before = specOf(network, previous);
  if (!before) return undefined;
  const composed = compose(before, spec, staticShape(network, x));
  return composed ? { kind: 'compose', source: previous.inputs[0], spec: composed, from: previous.name } : undefined;
}

/** The shuffle's transforms when its reshape dims are params or a constant; undefined when they are computed at run time. */
function specOf(network: Network, layer: Layer<'shuffle'>): ShuffleSpec | undefined {
  const { firstTranspose, reshape, secondTranspose, allowZero } = layer.params;
  let dims = reshape;
  if (layer.inputs[1]) {
    const value = constantValue(network, indexNetwork(network), layer.inputs[1]);
    if (value?.rank !== 1) return undefined;
    dims = Array.from(value.toFloat64());
  }
  const perm = (p: number[] | undefined) => (p ? p.map((a) => (a < 0 ? a + p.length : a)) : undefined);
  const spec: ShuffleSpec = {};
  const first = perm(firstTranspose);
  const second = perm(secondTranspose);
  if (first && !isIdentityPerm(first)) spec.first = first;
  if (dims) spec.reshape = { dims: [...dims], allowZero: allowZero ?? false };
  if (second && !isIdentityPerm(second)) spec.second = second;
  return spec;
}

function isIdentityPerm(p: readonly number[]): boolean {
  return p.every((a, i) => a === i);
}

/** Applying p then q (numpy convention: out axis i is in axis p[i]). */
function then(p: number[] | undefined, q: number[] | undefined): number[] | undefined {
  if (!p) return q;
  if (!q) return p;
  if (p.length !== q.length) return undefined;
  const r = q.map((i) => p[i]!);
  return isIdentityPerm(r) ? undefined : r;
}

/** One shuffle doing `a` then `b`, or undefined when that does not fit a single shuffle. */
function compose(a: ShuffleSpec, b: ShuffleSpec, middle: number[] | undefined): ShuffleSpec | undefined {
  if (!a.reshape) {
    // a is a pure transpose: it folds into b's first transpose.
    const pa = a.first && a.second ? then(a.first, a.second) : (a.first ?? a.second);
    if (pa && b.first && pa.length !== b.first.length) return undefined;
    return withParts(then(pa, b.first), b.reshape, b.second);
  }
  if (!b.reshape) {
    const pb = b.first && b.second ? then(b.first, b.second) : (b.first ?? b.second);
    if (pb && a.second && pb.length !== a.second.length) return undefined;
    return withParts(a.first, a.reshape, then(a.second, pb));
  }
  if (a.second || b.first) return undefined;
  // Two reshapes: the second one's dims stand alone unless they copy (0) dims of the intermediate shape.
  let { dims, allowZero } = b.reshape;
  if (!allowZero && dims.includes(0)) {
    if (!middle) return undefined;
    dims = dims.map((d, i) => (d === 0 ? middle[i]! : d));
    if (dims.some((d) => d === undefined)) return undefined;
    allowZero = dims.includes(0);
  }
  return withParts(a.first, { dims, allowZero }, b.second);
}

function withParts(first: number[] | undefined, reshape: ShuffleSpec['reshape'], second: number[] | undefined): ShuffleSpec {
  return { ...(first ? { first } : {}), ...(reshape ? { reshape } : {}), ...(second ? { second } : {}) };
}

/** True when the shuffle provably returns its input unchanged. */
function leavesUnchanged(spec: ShuffleSpec, input: number[] | undefined): boolean {
  if (!spec.reshape && !spec.first && !spec.second) return true;
  if (!input) return false;
  if (spec.first && !keepsOrder(spec.first, input)) return false;
  const out = outputShape(spec, input);
  if (!out || !sameDims(out, input)) return false;
  const middle = outputShape({ ...spec, second: undefined }, input);
  return !spec.second || (middle !== undefined && keepsOrder(spec.second, middle));
}

/** A permutation moves only size-1 axes relative to the others: the elements stay in memory order. */
function keepsOrder(perm: readonly number[], shape: readonly number[]): boolean {
  if (perm.length !== shape.length) return false;
  const moved = perm.filter((a) => shape[a] !== 1);
  return moved.every((a, i) => i === 0 || a > moved[i - 1]!);
}

/** The static output shape of the shuffle on `input`, or undefined when it does not apply. */
function outputShape(spec: ShuffleSpec, input: readonly number[]): number[] | undefined {
  let shape = [...input];
  const permute = (p: number[]) => (p.length === shape.length ? p.map((a) => shape[a]!) : undefined);
  if (spec.first) {
    const next = permute(spec.first);
    if (!next) return undefined;
    shape = next;
  }
  if (spec.reshape) {
    const next = resolveDims(spec.reshape.dims, shape, spec.reshape.allowZero);
    if (!next) return undefined;
    shape = next;
  }
  if (spec.second) {
    const next = permute(spec.second);
    if (!next) return undefined;
    shape = next;
  }
  return shape;
}

/** ONNX Reshape semantics (0 copies unless allowZero, one -1 inferred); undefined when they do not fit. */
function resolveDims(dims: readonly number[], input: readonly number[], allowZero: boolean): number[] | undefined {
  const size = input.reduce((a, b) => a * b, 1);
  let infer = -1;
  const out: number[] = [];
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!;
    if (d === 0 && !allowZero) {
      if (i >= input.length) return undefined;
      out.push(input[i]!);
    } else if (d === -1) {
      if (infer >= 0) return undefined;
      infer = i;
      out.push(1);
    } else if (Number.isInteger(d) && d >= 0) out.push(d);
    else return undefined;
  }
  const known = out.reduce((a, b) => a * b, 1);
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) return undefined;
    out[infer] = size / known;
  } else if (known !== size) return undefined;
  return out;
}

function toParams(spec: ShuffleSpec): Layer<'shuffle'>['params'] {
  return {
    ...(spec.first ? { firstTranspose: spec.first } : {}),
    ...(spec.reshape ? { reshape: spec.reshape.dims, ...(spec.reshape.allowZero ? { allowZero: true } : {}) } : {}),
    ...(spec.second ? { secondTranspose: spec.second } : {}),
  };
}

function describe(spec: ShuffleSpec): string {
  const parts = [
    spec.first && `transpose [${spec.first.join(',')}]`,
    spec.reshape && `reshape [${spec.reshape.dims.join(',')}]`,
    spec.second && `transpose [${spec.second.join(',')}]`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' → ') : 'no-op';
}
