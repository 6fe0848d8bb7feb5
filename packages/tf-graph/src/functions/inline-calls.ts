/**
 * Inlines PartitionedCall / StatefulPartitionedCall nodes, as TensorFlow's grappler function
 * optimizer does: the callee's nodes join the graph under `call/`, its arguments read the
 * call's inputs, and the call node itself becomes an IdentityN over the returned tensors, so
 * every consumer (and every signature output such as `StatefulPartitionedCall:0`) keeps its
 * name. Resource arguments bind to the caller's VarHandleOps, so a ReadVariableOp in the
 * callee reads the restored variable.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import type { TfAttr, TfNodeDef } from '../proto/tf-messages.js';
import type { TfLibrary } from './function-def.js';
import { instantiate } from './instantiate.js';

const CALL_OPS = new Set(['PartitionedCall', 'StatefulPartitionedCall']);

/** Nested calls deeper than this are taken for recursion. */
const MAX_CALL_DEPTH = 64;

export function calledFunction(node: TfNodeDef, attr = 'f'): string | undefined {
  const a = node.attr.get(attr);
  return a?.kind === 'func' ? a.value.name : undefined;
}

function blocked(node: TfNodeDef, message: string, hint: string): KilnError {
  return new KilnError(ErrorCode.UNSUPPORTED_OP, message, { node: { name: node.name, op: node.op }, hint });
}

export function inlineCalls(nodes: TfNodeDef[], library: TfLibrary): TfNodeDef[] {
  let current = nodes;
  for (let depth = 0; current.some((n) => CALL_OPS.has(n.op)); depth++) {
    if (depth === MAX_CALL_DEPTH) {
      const call = current.find((n) => CALL_OPS.has(n.op))!;
      throw blocked(
        call,
        `function calls nest more than ${MAX_CALL_DEPTH} deep (recursion?)`,
        'kiln inlines calls; recursive functions cannot be inlined',
      );
    }
    const names = new Set(current.map((n) => n.name));
    const next: TfNodeDef[] = [];
    for (const n of current) {
      if (!CALL_OPS.has(n.op)) {
        next.push(n);
        continue;
      }
      const fname = calledFunction(n);
      const fn = fname === undefined ? undefined : library.get(fname);
      if (!fn) {
        throw blocked(
          n,
          `the call names function '${fname ?? '(none)'}', which the graph's library does not define`,
          'export the model with its function library',
        );
      }
      const data = n.inputs.filter((i) => !i.startsWith('^'));
      const instance = instantiate(fn, `${n.name}/`, data, n.attr);
      for (const m of instance.nodes) {
        if (names.has(m.name))
          throw blocked(n, `inlining '${fname}' would create a second node named '${m.name}'`, 'rename the clashing node');
      }
      next.push(...instance.nodes);
      const tout = n.attr.get('Tout');
      const attr = new Map<string, TfAttr>(tout ? [['T', tout]] : []);
      next.push({ name: n.name, op: instance.outputs.length ? 'IdentityN' : 'NoOp', inputs: instance.outputs, device: n.device, attr });
    }
    current = next;
  }
  return current;
}
