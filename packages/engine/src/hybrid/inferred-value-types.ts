/**
 * Types of the values between segments, for graphs that do not declare them (TensorFlow graphs
 * carry no shape information for intermediate values). Converting the whole graph once, with
 * an unknown batch set to maxBatchSize, gives every value's dtype and shape, which is what a
 * static (ahead-of-time) engine build needs. A graph that does not convert as a whole gets no
 * answers, and its segments are built at their first run instead.
 */
import { type ConverterRegistry, convertGraph } from '@kiln-inference/converters';
import { type Graph, isKilnError, type Shape, type ValueType } from '@kiln-inference/core';

export function inferValueTypes(graph: Graph, registry: ConverterRegistry, maxBatchSize?: number): Map<string, ValueType> {
  const inputShapes: Record<string, Shape> = {};
  for (const input of graph.feedInputs) {
    const shape = input.type?.kind === 'tensor' ? input.type.shape : null;
    if (shape && maxBatchSize !== undefined && shape.length > 0 && typeof shape[0] !== 'number')
      inputShapes[input.name] = [maxBatchSize, ...shape.slice(1)];
  }
  try {
    const network = convertGraph(graph, registry, { inputShapes });
    const types = new Map<string, ValueType>();
    // A value of unknown shape still has a known dtype, which decides where it may run.
    for (const [name, desc] of network.tensors) {
      if (desc.valueKind !== 'sequence') types.set(name, { kind: 'tensor', dtype: desc.dtype, shape: desc.shape ?? null });
    }
    return types;
  } catch (e) {
    if (isKilnError(e)) return new Map();
    throw e;
  }
}

/** Types `graph`'s untyped (or partly typed) inputs from `types` where that knows more. */
export function fillInputTypes(graph: Graph, types: ReadonlyMap<string, ValueType>): Map<string, ValueType> {
  const filled = new Map<string, ValueType>();
  for (const input of graph.feedInputs) {
    const known = types.get(input.name);
    if (known?.kind === 'tensor' && !known.shape) continue;
    const declared = input.type?.kind === 'tensor' ? input.type.shape : null;
    const complete = declared?.every((d) => typeof d === 'number' && d >= 0);
    if (known && !complete) filled.set(input.name, known);
  }
  return filled;
}
