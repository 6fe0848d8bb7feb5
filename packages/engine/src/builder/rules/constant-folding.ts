/**
 * Constant folding: a deterministic layer whose inputs all come from `constant` layers is run
 * once with the reference kernels at build time and replaced by `constant` layers holding its
 * outputs (same tensor names). Shape arithmetic, weight transposes/casts and the
 * ConstantOfShape-built weights of exported models all collapse this way.
 */
import { type AnyLayer, isRandomLayer, LAYER_DEFS, LAYER_KINDS, Network, type Tensor } from '@kiln-inference/core';
import { ReferenceExecutor } from '@kiln-inference/cpu-runtime';
import type { BuilderRule, RuleMatch } from '../builder-rule.js';
import { constantLayers, constantValue, indexNetwork } from './network-index.js';

/** Results above this many elements stay computed at run time so plans stay small. */
export const MAX_FOLDED_ELEMENTS = 64 * 1024 * 1024;

/**
 * Layers already evaluated in one build (keyed by the build's working network, so a caller who
 * refits a constant in place between builds is never served a stale result): their outputs when
 * foldable, null when not (too big, rejected by the kernel, …).
 */
const evaluatedByNetwork = new WeakMap<Network, WeakMap<AnyLayer, (Tensor | undefined)[] | null>>();

export const constantFolding: BuilderRule = {
  name: 'constant-folding',
  // Control flow, plugins and sequences are not foldable (their LayerDefs say so); constants already are.
  targets: LAYER_KINDS.filter((k) => k !== 'constant' && LAYER_DEFS[k].traits.foldable),
  condition: (match) => foldedOutputs(match) !== null,
  apply({ network, layer, index }) {
    const outputs = foldedOutputs({ network, layer, index })!;
    const named = layer.outputs.map((o, i) => [o, outputs[i]!] as const).filter(([o]) => o !== '');
    network.layers.splice(index, 1, ...constantLayers(network, layer.name, named));
    const shapes = named.map(([, v]) => `${v.dtype}[${v.shape.join(',')}]`).join(', ');
    return `folded ${layer.kind} into constant ${shapes}`;
  },
};

function foldedOutputs(match: RuleMatch): (Tensor | undefined)[] | null {
  // Cheap checks first and uncached: a later rewrite may still turn an input into a constant.
  const inputs = constantInputs(match);
  if (!inputs || !isDeterministic(match.layer) || producesSequence(match)) return null;
  const evaluated = evaluatedByNetwork.get(match.network) ?? new WeakMap();
  evaluatedByNetwork.set(match.network, evaluated);
  const cached = evaluated.get(match.layer);
  if (cached !== undefined) return cached;
  let result = evaluate(match.layer, inputs);
  if (result && !matchesDeclaredDTypes(match, result)) result = null;
  evaluated.set(match.layer, result);
  return result;
}

/** The layer's input values when every (non-omitted) input is a constant, else null. */
function constantInputs({ network, layer }: RuleMatch): Map<string, Tensor> | null {
  const index = indexNetwork(network);
  const values = new Map<string, Tensor>();
  for (const name of layer.inputs) {
    if (!name) continue;
    const value = constantValue(network, index, name);
    if (!value) return null;
    values.set(name, value);
  }
  return values;
}

/** A kernel result whose dtype differs from the declared one would change what readers see: keep the layer. */
function matchesDeclaredDTypes({ network, layer }: RuleMatch, outputs: readonly (Tensor | undefined)[]): boolean {
  return layer.outputs.every((o, i) => o === '' || outputs[i]?.dtype === network.tensors.get(o)?.dtype);
}

function isDeterministic(layer: AnyLayer): boolean {
  return !isRandomLayer(layer);
}

function producesSequence({ network, layer }: RuleMatch): boolean {
  return layer.outputs.some((o) => o !== '' && network.tensors.get(o)?.valueKind === 'sequence');
}

/**
 * Runs the layer alone on its constant inputs. A layer the kernels reject stays in the network
 * so the error surfaces at run time with the caller's feeds, exactly as without folding.
 */
function evaluate(layer: AnyLayer, inputs: Map<string, Tensor>): (Tensor | undefined)[] | null {
  const probe = new Network(`fold:${layer.name}`);
  for (const [name, value] of inputs) {
    probe.layers.push({ name: `const:${name}`, kind: 'constant', inputs: [], outputs: [name], params: { value } } as AnyLayer);
  }
  probe.layers.push(layer);
  probe.outputs = layer.outputs.filter((o) => o !== '');
  let outputs: Tensor[];
  try {
    const values = new ReferenceExecutor().run(probe, {});
    outputs = probe.outputs.map((o) => values.get(o)!);
  } catch {
    return null;
  }
  // ConstantOfShape-style fills are how light models carry their weights: always fold them.
  const exempt = layer.kind === 'fill' && layer.params.mode === 'constant_of_shape';
  if (!exempt && outputs.some((t) => t.size > MAX_FOLDED_ELEMENTS)) return null;
  return layer.outputs.map((o) => (o === '' ? undefined : outputs[probe.outputs.indexOf(o)]));
}
