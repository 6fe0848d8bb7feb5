/**
 * FunctionDefLibrary decoding (function.proto, op_def.proto). TF2 graphs keep every
 * `tf.function` body — called by PartitionedCall, or the cond/body of While and the branches of
 * If — in the GraphDef's `library`. Inside a FunctionDef, node inputs name tensors as
 * `node:output_arg:index` and function arguments by their bare names; decoding rewrites them
 * to the flat `node:port` names the rest of the importer uses, so a function body is just more
 * NodeDefs.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { decodeNodeDef, type TfNodeDef } from '../proto/tf-messages.js';
import { type ProtoReader, readMapEntry, WireType } from '../proto/wire-reader.js';
import { outputPort } from './output-ports.js';

export interface TfArg {
  name: string;
  /** DataType code; 0 when the type comes from an attribute (`typeAttr`). */
  type: number;
  typeAttr: string;
}

export interface TfFunctionDef {
  name: string;
  inputs: TfArg[];
  outputs: TfArg[];
  /** Body nodes, inputs in flat naming (`node`, `node:port`, `^node`); arguments by name. */
  nodes: TfNodeDef[];
  /** One tensor per output argument, in flat naming. */
  rets: string[];
}

export type TfLibrary = Map<string, TfFunctionDef>;

function decodeArg(r: ProtoReader): TfArg {
  const arg: TfArg = { name: '', type: 0, typeAttr: '' };
  r.forEach((field, wt) => {
    if (field === 1) arg.name = r.string();
    else if (field === 3) arg.type = r.int32();
    else if (field === 4) arg.typeAttr = r.string();
    else r.skip(wt);
  });
  return arg;
}

function functionError(fn: string, message: string): KilnError {
  return new KilnError(ErrorCode.INVALID_MODEL, `function '${fn}': ${message}`, {
    hint: 'the function library is corrupted or incomplete; re-export the model',
  });
}

/** `node:out:idx` / `arg` / `^node` → flat naming. */
function flatTensorName(fn: string, raw: string, ops: Map<string, string>, args: Set<string>): string {
  if (raw.startsWith('^')) return raw;
  const parts = raw.split(':');
  if (parts.length === 1 || (parts.length === 2 && args.has(parts[0]!))) {
    if (!args.has(parts[0]!) && !ops.has(parts[0]!)) throw functionError(fn, `input '${raw}' names no argument or node`);
    return parts[0]!;
  }
  if (parts.length !== 3) throw functionError(fn, `input '${raw}' is not of the form node:output:index`);
  const [node, output, index] = parts as [string, string, string];
  const op = ops.get(node);
  if (op === undefined) throw functionError(fn, `input '${raw}' names no node of the function`);
  const port = outputPort(op, output, Number(index));
  return port === 0 ? node : `${node}:${port}`;
}

function decodeFunction(r: ProtoReader): TfFunctionDef {
  const fn: TfFunctionDef = { name: '', inputs: [], outputs: [], nodes: [], rets: [] };
  const retMap = new Map<string, string>();
  r.forEach((field, wt) => {
    if (field === 1) {
      const sig = r.message('OpDef');
      sig.forEach((f, w) => {
        if (f === 1) fn.name = sig.string();
        else if (f === 2) fn.inputs.push(decodeArg(sig.message()));
        else if (f === 3) fn.outputs.push(decodeArg(sig.message()));
        else sig.skip(w);
      });
    } else if (field === 3) {
      r.expect(wt, WireType.BYTES, 'FunctionDef.node_def');
      fn.nodes.push(decodeNodeDef(r.message('NodeDef')));
    } else if (field === 4) {
      const [k, v] = readMapEntry(
        r,
        (e) => e.string(),
        (e) => e.string(),
        { key: '', value: () => '' },
      );
      retMap.set(k, v);
    } else r.skip(wt);
  });
  const ops = new Map(fn.nodes.map((n) => [n.name, n.op] as const));
  const args = new Set(fn.inputs.map((a) => a.name));
  for (const n of fn.nodes) n.inputs = n.inputs.map((i) => flatTensorName(fn.name, i, ops, args));
  fn.rets = fn.outputs.map((o) => {
    const raw = retMap.get(o.name);
    if (raw === undefined) throw functionError(fn.name, `output '${o.name}' has no 'ret' entry`);
    return flatTensorName(fn.name, raw, ops, args);
  });
  return fn;
}

/** Decodes a FunctionDefLibrary message (GraphDef field 2). */
export function decodeFunctionLibrary(r: ProtoReader, into: TfLibrary): void {
  r.forEach((field, wt) => {
    if (field === 1) {
      r.expect(wt, WireType.BYTES, 'FunctionDefLibrary.function');
      const fn = decodeFunction(r.message('FunctionDef'));
      into.set(fn.name, fn);
    } else r.skip(wt);
  });
}
