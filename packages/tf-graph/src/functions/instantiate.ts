/**
 * Instantiates a FunctionDef at a call site: copies its nodes under a name prefix, binds each
 * argument either to a tensor of the caller (inlining, If branches) or to a fresh Placeholder
 * (the formal parameters of a While cond/body sub-graph), and names the tensors it returns.
 * One mechanism for every way TF2 uses its function library.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { TfAttr, TfNodeDef } from '../proto/tf-messages.js';
import type { TfFunctionDef } from './function-def.js';

export interface FunctionInstance {
  nodes: TfNodeDef[];
  /** The returned tensors, in the function's output order (flat names). */
  outputs: string[];
  /** The Placeholder names made for unbound arguments, in argument order. */
  formals: string[];
}

/** The DataType code of an argument: its own, or the call's value of its type attribute. */
export function argType(fn: TfFunctionDef, index: number, callAttrs: Map<string, TfAttr>, list = 'T'): number {
  const arg = fn.inputs[index]!;
  if (arg.type) return arg.type;
  const a = callAttrs.get(arg.typeAttr);
  if (a?.kind === 'type') return a.value;
  const types = callAttrs.get(list);
  if (types?.kind === 'list' && types.value.type[index] !== undefined) return types.value.type[index]!;
  throw new KilnError(ErrorCode.INVALID_MODEL, `function '${fn.name}': argument '${arg.name}' has no type`, {
    hint: 'the function library is incomplete; re-export the model',
  });
}

/**
 * `bindings[i]` is the caller's tensor for argument i, or null for a Placeholder. Node names
 * become `prefix + name`.
 */
export function instantiate(
  fn: TfFunctionDef,
  prefix: string,
  bindings: (string | null)[],
  callAttrs: Map<string, TfAttr> = new Map(),
): FunctionInstance {
  if (bindings.length !== fn.inputs.length) {
    throw new KilnError(
      ErrorCode.INVALID_MODEL,
      `function '${fn.name}' takes ${fn.inputs.length} arguments, the call passes ${bindings.length}`,
      {
        hint: 'the call and the function library disagree; re-export the model',
      },
    );
  }
  const args = new Map<string, string>();
  const nodes: TfNodeDef[] = [];
  const formals: string[] = [];
  fn.inputs.forEach((arg, i) => {
    const bound = bindings[i];
    if (bound !== null && bound !== undefined) {
      args.set(arg.name, bound);
      return;
    }
    const name = `${prefix}${arg.name}`;
    args.set(arg.name, name);
    formals.push(name);
    nodes.push({
      name,
      op: 'Placeholder',
      inputs: [],
      device: '',
      attr: new Map([['dtype', { kind: 'type', value: argType(fn, i, callAttrs) }]]),
    });
  });
  const rename = (ref: string): string | undefined => {
    const control = ref.startsWith('^');
    const body = control ? ref.slice(1) : ref;
    const m = /^(.*?)(:\d+)?$/.exec(body)!;
    const bound = args.get(m[1]!);
    if (bound !== undefined) {
      // Control edges on arguments order nothing once the function is inlined.
      if (control) return undefined;
      return m[2] ? `${bound}${m[2]}` : bound;
    }
    return `${control ? '^' : ''}${prefix}${body}`;
  };
  for (const n of fn.nodes) {
    const inputs = n.inputs.map(rename).filter((x): x is string => x !== undefined);
    nodes.push({ ...n, name: `${prefix}${n.name}`, inputs, attr: new Map(n.attr) });
  }
  return { nodes, outputs: fn.rets.map((r) => rename(r)!), formals };
}
