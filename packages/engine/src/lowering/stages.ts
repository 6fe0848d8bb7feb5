/**
 * Splits a network into stages: runs of layers that lower to native ops (one Program each,
 * one native call each) and runs of layers left to the reference kernels. A network whose
 * layers all lower is one native stage: the whole plan in one native call.
 */
import type { AnyLayer, Network, Tensor } from '@kiln-inference/core';
import type { ProgramBackend } from '../program-backend.js';
import { type NativeTarget, programSupport } from './program-support.js';

/** A backend's support query: whether a layer lowers to its Program ops, and why not. */
export type LayerSupport = ProgramBackend['support'];

export interface Stage {
  kind: 'native' | 'reference';
  layers: AnyLayer[];
  /** Tensors the stage reads that earlier stages or the caller provide (not constants). */
  inputs: string[];
  /** Tensors the stage produces that later stages or the caller need. */
  outputs: string[];
}

/** Constant tensors of a network: the values of its constant layers. */
export function networkConstants(network: Network): Map<string, Tensor> {
  const constants = new Map<string, Tensor>();
  for (const l of network.layers) if (l.kind === 'constant') constants.set(l.outputs[0]!, l.params.value);
  return constants;
}

/** Splits by the support of a target's table, or of a backend (`backend.support`). */
export function splitStages(
  network: Network,
  constants: ReadonlyMap<string, Tensor>,
  forceReference: ReadonlySet<string> = new Set(),
  support: NativeTarget | LayerSupport = 'cpu',
): Stage[] {
  const isConstant = (t: string) => constants.has(t);
  const supports =
    typeof support === 'function' ? support : (l: AnyLayer, n: Network, c: (t: string) => boolean) => programSupport(l, n, c, support);
  const groups: { kind: Stage['kind']; layers: AnyLayer[] }[] = [];
  for (const layer of network.layers) {
    if (layer.kind === 'constant') continue;
    const kind = !forceReference.has(layer.name) && supports(layer, network, isConstant).supported ? 'native' : 'reference';
    const last = groups.at(-1);
    if (last && last.kind === kind) last.layers.push(layer);
    else groups.push({ kind, layers: [layer] });
  }
  // Which stage reads each tensor, to find what crosses stage boundaries.
  const readers = new Map<string, Set<number>>();
  groups.forEach((g, s) => {
    for (const l of g.layers) {
      for (const t of layerReads(l)) {
        if (!t || isConstant(t) || !network.tensors.has(t)) continue;
        const set = readers.get(t) ?? new Set<number>();
        set.add(s);
        readers.set(t, set);
      }
    }
  });
  const networkOutputs = new Set(network.outputs);
  return groups.map((g, s) => {
    const produced = new Set(g.layers.flatMap((l) => l.outputs.filter(Boolean)));
    const inputs = new Set<string>();
    for (const l of g.layers)
      for (const t of layerReads(l)) if (t && !isConstant(t) && !produced.has(t) && network.tensors.has(t)) inputs.add(t);
    const outputs = [...produced].filter((t) => networkOutputs.has(t) || [...(readers.get(t) ?? [])].some((r) => r > s));
    return { kind: g.kind, layers: g.layers, inputs: [...inputs], outputs };
  });
}

/** Tensors a layer reads, including those its sub-networks capture from the outer scope. */
export function layerReads(layer: AnyLayer): string[] {
  const reads = [...layer.inputs];
  const bodies: Network[] =
    layer.kind === 'conditional'
      ? [layer.params.thenBranch, layer.params.elseBranch]
      : layer.kind === 'loop' || layer.kind === 'scan'
        ? [layer.params.body]
        : [];
  for (const body of bodies) for (const i of body.inputs) reads.push(i.name);
  return reads;
}
