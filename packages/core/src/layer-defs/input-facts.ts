/**
 * Reading a layer's input facts inside `LayerDef.infer`: a required input that is absent is the
 * network's fault and gets a KilnError saying which input; `inferLayer` adds the layer's name.
 */
import { ErrorCode, KilnError } from '../errors.js';
import type { ValueFacts } from '../layer-def.js';

/** Facts of required input `index` (called `name` in messages); throws INVALID_ARGUMENT when missing. */
export function requiredInput(inputs: readonly (ValueFacts | undefined)[], index: number, name: string): ValueFacts {
  const f = inputs[index];
  if (!f) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `input ${index} (${name}) is missing or unknown`, {
      hint: `connect a tensor to input ${index}; the layer cannot be inferred without it`,
    });
  }
  return f;
}

/** Throws INVALID_DTYPE unless every present input among `indices` has the dtype of the first. */
export function requireSameDType(inputs: readonly (ValueFacts | undefined)[], indices: readonly number[], what: string): void {
  const present = indices.map((i) => [i, inputs[i]] as const).filter((e): e is readonly [number, ValueFacts] => e[1] !== undefined);
  const first = present[0];
  if (!first) return;
  for (const [i, f] of present) {
    if (f.dtype !== first[1].dtype) {
      throw new KilnError(ErrorCode.INVALID_DTYPE, `${what}: input ${i} is ${f.dtype} but input ${first[0]} is ${first[1].dtype}`, {
        hint: 'insert a cast so the operands share one dtype',
      });
    }
  }
}
