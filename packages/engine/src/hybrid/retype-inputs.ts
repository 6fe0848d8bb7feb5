/**
 * A segment or node graph with its inputs typed for one build: source graphs often leave
 * intermediate values untyped or symbolic, while a build needs the dtypes and shapes that will
 * actually flow in.
 */
import { Graph, type Shape, type ValueInfo, type ValueType } from '@kiln-inference/core';
import type { InputSignature } from './value-signature.js';

/** The value type a signature describes, with `shape` replacing the concrete one when given. */
export function valueTypeOf(signature: InputSignature, shape?: Shape | null): ValueType {
  if (signature.kind === 'sequence') return { kind: 'sequence', element: { kind: 'tensor', dtype: signature.dtype, shape: null } };
  return { kind: 'tensor', dtype: signature.dtype, shape: shape === undefined || shape === null ? [...signature.shape] : [...shape] };
}

/** A copy of `graph` whose inputs named in `types` carry those types. */
export function retypeInputs(graph: Graph, types: ReadonlyMap<string, ValueType>): Graph {
  const inputs = graph.inputs.map((i): ValueInfo => {
    const type = types.get(i.name);
    return type ? { name: i.name, type } : i;
  });
  return new Graph({ ...graph, inputs });
}
