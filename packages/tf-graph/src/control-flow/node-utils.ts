/**
 * Small NodeDef helpers shared by the TF1 control-flow rewrites: reading attributes, splitting
 * tensor references, picking fresh names.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { TfAttr, TfNodeDef } from '../proto/tf-messages.js';

export function attrString(node: TfNodeDef, name: string): string | undefined {
  const a = node.attr.get(name);
  return a?.kind === 's' ? new TextDecoder().decode(a.value) : undefined;
}

export function attrBool(node: TfNodeDef, name: string): boolean {
  const a = node.attr.get(name);
  return a?.kind === 'b' && a.value;
}

/** The producing node of a data or control reference. */
export function refNode(ref: string): string {
  const body = ref.startsWith('^') ? ref.slice(1) : ref;
  return /^(.*?)(:\d+)?$/.exec(body)![1]!;
}

export function refPort(ref: string): number {
  const m = /:(\d+)$/.exec(ref);
  return m ? Number(m[1]) : 0;
}

/** Canonical flat name: `n` for port 0, `n:k` otherwise. */
export function canonical(ref: string): string {
  const port = refPort(ref);
  return port === 0 ? refNode(ref) : `${refNode(ref)}:${port}`;
}

export function dataInputs(node: TfNodeDef): string[] {
  return node.inputs.filter((i) => !i.startsWith('^'));
}

/** Data input `index`, which the op requires: a KilnError naming the node when it is missing. */
export function requiredInput(what: string, node: TfNodeDef, index = 0): string {
  const input = dataInputs(node)[index];
  if (input === undefined) throw controlFlowError(what, node, `the ${node.op} has no input ${index}`);
  return input;
}

/** The dtype of a node's outputs, from the attributes TF ops conventionally carry. */
export function outputTypeCode(node: TfNodeDef): number | undefined {
  for (const key of ['T', 'dtype', 'out_type', 'output_type', 'DstT']) {
    const a = node.attr.get(key);
    if (a?.kind === 'type') return a.value;
  }
  return undefined;
}

export function typeAttr(code: number): TfAttr {
  return { kind: 'type', value: code };
}

export function typeListAttr(codes: number[]): TfAttr {
  return { kind: 'list', value: { s: [], i: [], f: [], b: [], type: codes, shape: [], tensor: [], func: [] } };
}

export function funcAttr(name: string): TfAttr {
  return { kind: 'func', value: { name, attr: new Map() } };
}

export function freshName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/** A KilnError for a TF1 control-flow construct kiln cannot restructure. */
export function controlFlowError(what: string, node: TfNodeDef, message: string): KilnError {
  return new KilnError(ErrorCode.UNSUPPORTED_OP, `${what}: ${message}`, {
    node: { name: node.name, op: node.op },
    hint: 'kiln rewrites well-formed tf.while_loop / tf.cond frames into Loop / If layers; re-export the graph from TensorFlow, or keep this part outside the converted model',
  });
}
