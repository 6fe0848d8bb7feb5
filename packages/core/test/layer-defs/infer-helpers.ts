/** Builds one-layer inference calls for the LayerDef tests. */
import { expect } from 'vitest';
import type { DType, KilnError, LayerDef, LayerKind, LayerParamsMap, Shape, Tensor, ValueFacts } from '../../src/index.js';
import { inferWith } from '../../src/layer-defs/infer-with.js';

export const t = (dtype: DType, shape: Shape | null, value?: Tensor): ValueFacts => (value ? { dtype, shape, value } : { dtype, shape });

/** Infers a layer named 'L' of `def`'s kind; an undefined input becomes an omitted one (''). */
export function infer<K extends LayerKind>(
  def: LayerDef<K>,
  params: LayerParamsMap[K],
  inputs: readonly (ValueFacts | undefined)[],
  outputs = 1,
): ValueFacts[] {
  const layer = {
    name: 'L',
    kind: def.kind,
    inputs: inputs.map((f, i) => (f ? `in${i}` : '')),
    outputs: Array.from({ length: outputs }, (_, i) => `out${i}`),
    params,
  };
  return inferWith(def as unknown as LayerDef, layer as never, inputs);
}

/** The KilnError `f` throws (fails the test when it throws nothing else). */
export function thrown(f: () => unknown): KilnError {
  try {
    f();
  } catch (e) {
    expect((e as Error).name).toBe('KilnError');
    return e as KilnError;
  }
  expect.unreachable('expected a KilnError');
  throw new Error('unreachable');
}
