/**
 * Arena tensors that share another arena tensor's bytes instead of owning a buffer:
 *   - reshape-like layers (identity, squeeze, unsqueeze, shuffle without transposes): offset 0;
 *   - split outputs when every dim before the axis is 1, so each piece is a contiguous run of the
 *     input (offset = bytes of the pieces before it);
 *   - inputs of a concatenation the builder marked `inPlace`: slices of its output, so their
 *     producers write straight into it and the copy disappears. Honoured only when that is
 *     safe (see concatSlices); otherwise the concatenation stays a copy.
 */
import { type Layer, type Network, normalizeAxis } from '@kiln-inference/core';
import { type Activation, isReshapeView } from './activations.js';

export interface Alias {
  /** The tensor whose bytes this one uses. */
  of: string;
  /** Byte offset inside `of`. */
  offset: number;
  kind: 'view' | 'inPlace';
}

export interface ArenaViews {
  aliases: Map<string, Alias>;
  inPlaceConcats: string[];
}

export function findArenaViews(network: Network, activations: ReadonlyMap<string, Activation>): ArenaViews {
  const aliases = new Map<string, Alias>();
  const inPlaceConcats: string[] = [];
  const sliced = new Set<string>();
  for (const layer of network.layers) {
    const x = layer.inputs[0];
    const source = x ? activations.get(x) : undefined;
    if (isReshapeView(layer) && source) {
      for (const y of layer.outputs) {
        const out = y ? activations.get(y) : undefined;
        if (out && out.bytes === source.bytes) aliases.set(out.name, { of: source.name, offset: 0, kind: 'view' });
      }
    } else if (layer.kind === 'split' && source) {
      const pieces = contiguousPieces(layer, source, activations);
      pieces?.forEach((offset, i) => {
        aliases.set(layer.outputs[i]!, { of: source.name, offset, kind: 'view' });
      });
    } else if (layer.kind === 'concatenation' && layer.params.inPlace) {
      const slices = concatSlices(layer, activations, aliases, sliced);
      if (!slices) continue;
      slices.forEach((offset, i) => {
        aliases.set(layer.inputs[i]!, { of: layer.outputs[0]!, offset, kind: 'view' });
        sliced.add(layer.inputs[i]!);
      });
      inPlaceConcats.push(layer.name);
    }
  }
  return { aliases, inPlaceConcats };
}

/** Byte offsets of the split's outputs inside its input, or undefined when they are not contiguous runs. */
function contiguousPieces(layer: Layer<'split'>, source: Activation, activations: ReadonlyMap<string, Activation>): number[] | undefined {
  const outs = layer.outputs.map((o) => (o ? activations.get(o) : undefined));
  if (outs.length === 0 || !outs.every((o) => o)) return undefined;
  if (!onlyOnesBefore(layer.params.axis, source.shape)) return undefined;
  return runOffsets(outs as Activation[], source.bytes, source.elementBytes);
}

/**
 * Byte offsets of the concatenation's inputs inside its output, or undefined when the copy must
 * stay: every input must be a distinct arena tensor produced in this network that is not a view
 * itself nor a slice of another concatenation, of the output's element size, and the pieces must
 * tile the output exactly as contiguous runs.
 */
function concatSlices(
  layer: Layer<'concatenation'>,
  activations: ReadonlyMap<string, Activation>,
  aliases: ReadonlyMap<string, Alias>,
  sliced: ReadonlySet<string>,
): number[] | undefined {
  const out = layer.outputs[0] ? activations.get(layer.outputs[0]) : undefined;
  if (!out || aliases.has(out.name) || layer.inputs.length === 0) return undefined;
  if (new Set(layer.inputs).size !== layer.inputs.length) return undefined;
  const ins = layer.inputs.map((name) => (name ? activations.get(name) : undefined));
  if (!ins.every((a) => a && !aliases.has(a.name) && !sliced.has(a.name))) return undefined;
  if (!onlyOnesBefore(layer.params.axis, out.shape)) return undefined;
  return runOffsets(ins as Activation[], out.bytes, out.elementBytes);
}

/** True when every dim before `axis` is 1, so slicing along the axis gives contiguous runs. */
function onlyOnesBefore(axis: number, shape: readonly number[]): boolean {
  if (shape.length === 0) return false;
  let a: number;
  try {
    a = normalizeAxis(axis, shape.length);
  } catch {
    return false;
  }
  return shape.slice(0, a).every((d) => d === 1);
}

/** Offsets of consecutive pieces that exactly fill `total` bytes with one element size. */
function runOffsets(pieces: readonly Activation[], total: number, elementBytes: number): number[] | undefined {
  if (pieces.some((p) => p.elementBytes !== elementBytes)) return undefined;
  const offsets: number[] = [];
  let at = 0;
  for (const p of pieces) {
    offsets.push(at);
    at += p.bytes;
  }
  return at === total ? offsets : undefined;
}
