/**
 * The control-flow restructuring every TensorFlow import runs before its Graph is built (a
 * kiln Graph must be acyclic, and TF1 loops are cycles): PartitionedCall bodies are inlined,
 * then TF1 while-loop frames and conds become functional While / If nodes whose bodies join
 * the function library. It lives in the importer, not the converters, because only here are
 * the cycles still representable; what leaves is the TF2 form, which the converters map to
 * kiln Loop / conditional layers.
 */
import type { TfLibrary } from '../functions/function-def.js';
import { inlineCalls } from '../functions/inline-calls.js';
import type { TfNodeDef } from '../proto/tf-messages.js';
import { rewriteTf1Conds } from './tf1-conds.js';
import { rewriteTf1Loops } from './tf1-loops.js';

const TF1_OPS = new Set(['Enter', 'RefEnter', 'Merge', 'RefMerge']);

/** Returns the restructured nodes; `library` gains the functions the TF1 rewrites create. */
export function lowerControlFlow(nodes: TfNodeDef[], library: TfLibrary): TfNodeDef[] {
  let current = inlineCalls(nodes, library);
  if (!current.some((n) => TF1_OPS.has(n.op))) return current;
  current = rewriteTf1Loops(current, library);
  return rewriteTf1Conds(current, library);
}
