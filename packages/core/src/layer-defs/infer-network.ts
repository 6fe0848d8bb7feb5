/**
 * Facts (dtype, symbolic shape, small known values) of every tensor of a network, from its
 * inputs forward through each layer's LayerDef: what the memory planner and lowering use to
 * learn shapes without running a kernel.
 */
import type { InferResult, ValueFacts } from '../layer-def.js';
import type { AnyLayer } from '../layers.js';
import type { Network, TensorDesc } from '../network.js';
import type { Shape } from '../shape.js';
import { unifyDims } from './dims.js';

export interface InferNetworkOptions {
  /**
   * Shapes that replace what declarations and inference say, for network inputs (a profile's or
   * a feed's shapes) or any other tensor (shapes lowering already computed).
   */
  shapes?: ReadonlyMap<string, Shape>;
  /** Facts that replace the declared facts of network inputs (a sub-network's captured values). */
  inputFacts?: ReadonlyMap<string, ValueFacts>;
  /**
   * How declared TensorDesc shapes count: 'fill' (default) fills the dims inference leaves
   * unknown (converters sometimes know more, e.g. a size ONNX shape inference resolved) while a
   * known inferred dim wins; 'prefer' keeps a fully static declared shape over the inferred one
   * (the memory planner sizes what the network declares); 'ignore' uses inference alone.
   */
  declared?: 'fill' | 'prefer' | 'ignore';
  /**
   * What a layer whose inference throws does: 'throw' (default) rethrows the KilnError naming
   * it; 'declared' gives its outputs their declared facts, for callers that only collect what
   * is known and report the rest themselves.
   */
  onError?: 'throw' | 'declared';
  /** Called after each layer with its input and output facts. */
  onLayer?: (layer: AnyLayer, index: number, inputs: readonly (ValueFacts | undefined)[], outputs: InferResult) => void;
}

/** Declared facts of a tensor description. */
export function declaredFacts(desc: TensorDesc): ValueFacts {
  return desc.valueKind === 'sequence'
    ? { dtype: desc.dtype, shape: desc.shape, valueKind: 'sequence' }
    : { dtype: desc.dtype, shape: desc.shape };
}

/** `inferred` combined with a declared shape as `mode` says. */
function withDeclared(inferred: ValueFacts, declared: TensorDesc | undefined, mode: 'fill' | 'prefer' | 'ignore'): ValueFacts {
  const d = declared?.shape;
  if (!d || mode === 'ignore') return inferred;
  const s = inferred.shape;
  if (mode === 'prefer' && d.every((x) => typeof x === 'number') && !s?.every((x, i) => x === d[i])) {
    return { dtype: inferred.dtype, shape: d, ...(inferred.valueKind ? { valueKind: inferred.valueKind } : {}) };
  }
  if (!s) return { ...inferred, shape: d };
  if (s.length !== d.length || s.every((x) => typeof x === 'number')) return inferred;
  return { ...inferred, shape: s.map((x, i) => (typeof x === 'number' ? x : unifyDims(x, d[i]!))) };
}

/**
 * Infers every tensor of `network` with `infer` (the registry's `inferLayer`), keyed by name.
 * Network inputs get their declared facts (with `options.shapes` where given).
 */
export function inferNetworkWith(
  infer: (layer: AnyLayer, inputs: readonly (ValueFacts | undefined)[], index?: number) => InferResult,
  network: Network,
  options: InferNetworkOptions = {},
): Map<string, ValueFacts> {
  const facts = new Map<string, ValueFacts>();
  const declared = options.declared ?? 'fill';
  const given = (name: string, f: ValueFacts): ValueFacts => {
    const shape = options.shapes?.get(name);
    if (!shape) return f;
    // A known value of another shape no longer describes the tensor.
    const keepsValue = f.value && f.value.shape.length === shape.length && f.value.shape.every((d, i) => d === shape[i]);
    return keepsValue ? { ...f, shape } : { dtype: f.dtype, shape, ...(f.valueKind ? { valueKind: f.valueKind } : {}) };
  };
  for (const input of network.inputs) {
    facts.set(input.name, given(input.name, options.inputFacts?.get(input.name) ?? declaredFacts(input)));
  }
  network.layers.forEach((layer, index) => {
    const inputs = layer.inputs.map((name) => (name ? facts.get(name) : undefined));
    let outputs: InferResult;
    try {
      outputs = infer(layer, inputs, index);
    } catch (e) {
      if (options.onError !== 'declared') throw e;
      outputs = layer.outputs.map((name) => {
        const desc = name ? network.tensors.get(name) : undefined;
        return desc ? declaredFacts(desc) : { dtype: 'float32', shape: null };
      });
    }
    layer.outputs.forEach((name, i) => {
      if (!name) return;
      const desc = network.tensors.get(name);
      // A plugin's output dtypes belong to its implementation: the converter that created the layer declared them.
      const out = layer.kind === 'plugin' && desc ? { ...outputs[i]!, dtype: desc.dtype } : outputs[i]!;
      facts.set(name, given(name, withDeclared(out, desc, declared)));
    });
    options.onLayer?.(layer, index, inputs, outputs);
  });
  return facts;
}
