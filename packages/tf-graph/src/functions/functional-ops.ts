/**
 * Functional control flow (While / StatelessWhile / If / StatelessIf): their `cond`, `body`,
 * `then_branch` and `else_branch` attributes name library functions; the importer replaces
 * each with a sub-Graph (a `graph` attribute), the form the converters turn into kiln Loop and
 * conditional layers. While sub-graphs take the loop-carried values as formal inputs; If
 * branches read the If's inputs directly (as captures of the enclosing graph), like ONNX If.
 * Every returned tensor passes through an Identity so sub-graph outputs are distinct values.
 */
import type { AttributeValue, Graph, ValueInfo } from '@kiln-inference/core';
import type { TfNodeDef } from '../proto/tf-messages.js';
import { kilnDTypeOf } from '../tf-dtypes.js';
import type { TfFunctionDef, TfLibrary } from './function-def.js';
import { calledFunction } from './inline-calls.js';
import { argType, instantiate } from './instantiate.js';

export const WHILE_OPS = new Set(['While', 'StatelessWhile']);
export const IF_OPS = new Set(['If', 'StatelessIf']);

/** Builds a Graph from NodeDefs whose inputs may name values of the enclosing graph. */
export type SubgraphBuilder = (nodes: TfNodeDef[], outputs: string[], name: string) => Graph;

function listLength(node: TfNodeDef, attr: string): number | undefined {
  const a = node.attr.get(attr);
  return a?.kind === 'list' ? a.value.type.length : undefined;
}

/** Outputs of a functional op: one per loop-carried value (While) or per Tout entry. */
export function functionalOutputCount(node: TfNodeDef): number | undefined {
  if (WHILE_OPS.has(node.op)) return listLength(node, 'T');
  if (IF_OPS.has(node.op) || node.op === 'PartitionedCall' || node.op === 'StatefulPartitionedCall') return listLength(node, 'Tout');
  return undefined;
}

function subgraph(fn: TfFunctionDef, node: TfNodeDef, part: string, bindings: (string | null)[], build: SubgraphBuilder): Graph {
  const prefix = `${node.name}/${part}/`;
  const instance = instantiate(fn, prefix, bindings, node.attr);
  const rets: TfNodeDef[] = instance.outputs.map((ref, k) => ({
    name: `${prefix}kiln_ret${k}`,
    op: 'Identity',
    inputs: [ref],
    device: '',
    attr: new Map(fn.outputs[k]?.type ? [['T', { kind: 'type', value: fn.outputs[k]!.type }]] : []),
  }));
  const graph = build(
    [...instance.nodes, ...rets],
    rets.map((r) => r.name),
    `${node.name}/${part}`,
  );
  // Formal inputs in argument order, reachable or not: a Loop body is called positionally.
  const declared = new Map(graph.inputs.map((i) => [i.name, i] as const));
  let f = 0;
  graph.inputs = fn.inputs.flatMap((_, i): ValueInfo[] => {
    if (bindings[i] !== null) return [];
    const name = instance.formals[f++]!;
    const dtype = kilnDTypeOf(argType(fn, i, node.attr));
    return [declared.get(name) ?? { name, type: dtype ? { kind: 'tensor', dtype, shape: null } : null }];
  });
  return graph;
}

/**
 * The `graph` attributes replacing a functional op's function names. A function missing from
 * the library leaves its `func` attribute, which the converter reports.
 */
export function functionalSubgraphs(node: TfNodeDef, library: TfLibrary, build: SubgraphBuilder): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  const parts: [string, (string | null)[]][] = [];
  if (WHILE_OPS.has(node.op)) {
    const carried = node.inputs.filter((i) => !i.startsWith('^')).map(() => null);
    parts.push(['cond', carried], ['body', carried]);
  } else if (IF_OPS.has(node.op)) {
    const args = node.inputs.filter((i) => !i.startsWith('^')).slice(1);
    parts.push(['then_branch', args], ['else_branch', args]);
  }
  for (const [attr, bindings] of parts) {
    const fname = calledFunction(node, attr);
    const fn = fname === undefined ? undefined : library.get(fname);
    if (fn) out[attr] = { kind: 'graph', value: subgraph(fn, node, attr, bindings, build) };
  }
  return out;
}
